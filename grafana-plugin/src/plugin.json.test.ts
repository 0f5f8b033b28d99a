// plugin.json against the fields Grafana's plugin schema (plugin.schema.json in the
// Grafana repository; not published in any npm package, so not vendored here) requires of
// a panel plugin, and the files it names: every logo and screenshot must exist, since the
// build copies them into dist/ and Grafana's catalog shows them.
import { existsSync } from 'fs';
import path from 'path';
import pluginJson from './plugin.json';

const SRC = __dirname;

describe('plugin.json', () => {
  it('has the required top-level fields of a panel plugin', () => {
    expect(pluginJson.type).toBe('panel');
    expect(typeof pluginJson.name).toBe('string');
    // Grafana's id rule: <org>-<name>-<type>, lower-case letters and digits.
    expect(pluginJson.id).toMatch(/^[0-9a-z]+-([0-9a-z]+-)?panel$/);
  });

  it('has the required info fields', () => {
    const { info } = pluginJson;
    expect(Array.isArray(info.keywords) && info.keywords.length > 0).toBe(true);
    expect(typeof info.author.name).toBe('string');
    expect(info.version).toBe('%VERSION%'); // replaced by the build
    expect(info.updated).toBe('%TODAY%');
    expect(Array.isArray(info.links)).toBe(true);
  });

  it('names a Grafana version range', () => {
    expect(pluginJson.dependencies.grafanaDependency).toMatch(/^>=\d+\.\d+\.\d+$/);
  });

  it('names logos and screenshots that exist (light and dark of every view)', () => {
    for (const logo of [pluginJson.info.logos.small, pluginJson.info.logos.large]) {
      expect(existsSync(path.join(SRC, logo))).toBe(true);
    }
    const shots = pluginJson.info.screenshots as Array<{ name: string; path: string }>;
    for (const s of shots) {
      expect(typeof s.name).toBe('string');
      expect(existsSync(path.join(SRC, s.path))).toBe(true);
    }
    const names = shots.map((s) => path.basename(s.path));
    for (const view of ['cluster', 'points', 'events', 'migrations']) {
      expect(names).toEqual(expect.arrayContaining([`${view}-light.png`, `${view}-dark.png`]));
    }
  });
});
