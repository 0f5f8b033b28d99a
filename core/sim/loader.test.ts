import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  loadScenario,
  parseScenario,
  resolveScenarioPath,
  shippedScenarioNames,
  ScenarioError,
} from './loader';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-sim-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
const minimal = `name: tiny
durationSeconds: 60
hosts: [{ name: h1, cpus: 2, memory: 2GiB }]
vms:
  - { name: w1, host: h1, workload: web, vcpus: 1, memory: 512MiB, demand: { requests: 10 } }
`;

function errorOf(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario loader', () => {
  it('ships the five scenarios, all valid', () => {
    expect(shippedScenarioNames()).toEqual(
      expect.arrayContaining([
        'seed-experiment',
        'seed-experiment-light',
        'seed-experiment-heavy',
        'evacuation',
        'mixed-workload',
      ]),
    );
    for (const n of shippedScenarioNames()) expect(loadScenario(`sim://${n}`).name).toBe(n);
  });

  it('seed-experiment is SPEC §10: 3 fast 8-core/2 GiB, 3 slow 2-core/1 GiB hosts, 18 web VMs, 40 min', () => {
    const s = loadScenario('sim://seed-experiment');
    expect(s.hosts.map((h) => [h.name, h.cpus, h.memory])).toEqual([
      ['fast-1', 8, 2 * 1024 ** 3],
      ['fast-2', 8, 2 * 1024 ** 3],
      ['fast-3', 8, 2 * 1024 ** 3],
      ['slow-1', 2, 1024 ** 3],
      ['slow-2', 2, 1024 ** 3],
      ['slow-3', 2, 1024 ** 3],
    ]);
    expect(s.vms).toHaveLength(18);
    expect(s.vms.every((v) => v.workload === 'web')).toBe(true);
    expect(s.durationSeconds).toBe(2400);
  });

  it('resolves sim://NAME, sim:///abs/file.yaml and sim://./rel.yaml', () => {
    const p = file('tiny.yaml', minimal);
    expect(resolveScenarioPath('sim://seed-experiment')).toMatch(/scenarios[/\\]seed-experiment\.yaml$/);
    expect(resolveScenarioPath(`sim://${p}`)).toBe(p);
    expect(resolveScenarioPath('sim://./tiny.yaml', dir)).toBe(p);
    expect(loadScenario(`sim://${p}`).vms[0].memory).toBe(512 * 1024 * 1024);
  });

  it('names an unknown scenario and lists the shipped ones', () => {
    const e = errorOf(() => loadScenario('sim://no-such-scenario'));
    expect(e.kind).toBe('not_found');
    expect(e.message).toMatch(/unknown scenario "no-such-scenario".*seed-experiment/);
    expect(errorOf(() => loadScenario('sim:///nope/x.yaml')).message).toMatch(
      /\/nope\/x\.yaml does not exist/,
    );
  });

  it('names the file and the field of a schema error', () => {
    const p = file('bad.yaml', minimal.replace('vcpus: 1', 'vcpus: 0'));
    const e = errorOf(() => loadScenario(p));
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/vms\[0\]\.vcpus: .*(>|greater)/i);
  });

  it('names the field inside a trace of the wrong shape', () => {
    const p = file('badtrace.yaml', minimal.replace('requests: 10', 'requests: { kind: sinusoid, mean: 3 }'));
    expect(errorOf(() => loadScenario(p)).message).toMatch(/vms\[0\]\.demand\.requests\.amplitude/);
  });

  it('reports bad YAML, unknown hosts, a web VM without requests, and bad quantities', () => {
    expect(errorOf(() => loadScenario(file('y.yaml', 'name: [unclosed'))).message).toMatch(/not valid YAML/);
    expect(
      errorOf(() => loadScenario(file('h.yaml', minimal.replace('host: h1', 'host: h9')))).message,
    ).toMatch(/vms\[0\]\.host: unknown host "h9"/);
    expect(
      errorOf(() => loadScenario(file('r.yaml', minimal.replace('demand: { requests: 10 }', 'demand: {}'))))
        .message,
    ).toMatch(/vms\[0\]\.demand\.requests: a web VM needs demand\.requests/);
    expect(errorOf(() => loadScenario(file('q.yaml', minimal.replace('2GiB', '2 parsecs')))).message).toMatch(
      /hosts\[0\]\.memory: expected a number or a quantity/,
    );
    expect(errorOf(() => parseScenario({ ...{ name: 'x' } }, 'inline')).message).toMatch(/^inline: /);
  });
});
