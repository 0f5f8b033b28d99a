// Issue 14 item 5: bad operator-constraint config gets one clear line per problem —
// cron expression, time zone, host names (unknown ones when the config lists every host).
import path from 'node:path';
import { loadConfig, validateConfig } from './load';

const base = { hypervisors: ['test:///default'] };

function errorOf(planner: object, extra: object = {}): string {
  try {
    validateConfig({ ...base, ...extra, planner }, 'vmpilot.yaml');
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('config accepted');
}

describe('operator constraint config', () => {
  it('accepts the documented keys', () => {
    const cfg = validateConfig({
      ...base,
      planner: {
        exclude: ['db-*'],
        pins: [{ vms: ['oracle-*'], hosts: ['kvm-a', 'kvm-b'] }],
        ignoredHosts: ['kvm-gpu'],
        migrationWindows: { cron: ['* 22-23,0-5 * * *'], timezone: 'Europe/Berlin' },
      },
      capacity: { hosts: { 'kvm-c': { ignored: true } } },
    });
    expect(cfg.planner.migrationWindows.timezone).toBe('Europe/Berlin');
    expect(cfg.capacity.hosts['kvm-c'].ignored).toBe(true);
  });

  it('the example config documents them and loads', () => {
    const cfg = loadConfig(path.join(__dirname, '../examples/vmpilot.yaml'));
    expect(cfg.planner.exclude).toEqual(['license-server']);
    expect(cfg.planner.pins[0].hosts).toEqual(['rack1', 'rack2']);
    expect(cfg.planner.migrationWindows.cron).toEqual(['* 22-23,0-5 * * *']);
  });

  it('names a bad cron expression, field count and time zone on one line each', () => {
    expect(errorOf({ migrationWindows: { cron: ['* 25 * * *'] } })).toMatch(
      /planner\.migrationWindows\.cron\.0: bad cron expression "\* 25 \* \* \*": Invalid value for hour: 25/,
    );
    expect(errorOf({ migrationWindows: { cron: ['0 * 22 * * *'] } })).toMatch(
      /bad cron expression "0 \* 22 \* \* \*": expected 5 fields \(minute hour day-of-month month day-of-week\), got 6/,
    );
    expect(errorOf({ migrationWindows: { timezone: 'Mars/Olympus' } })).toMatch(
      /planner\.migrationWindows\.timezone: unknown time zone "Mars\/Olympus"/,
    );
    expect(errorOf({ ignoredHosts: ['bad host'] })).toMatch(/planner\.ignoredHosts\.0: expected a host name/);
    expect(errorOf({ pins: [{ vms: ['a'], hosts: [] }] })).toMatch(/planner\.pins\.0\.hosts/);
    expect(errorOf({ exclude: ['a'], excludes: ['b'] })).toMatch(/excludes/);
  });

  it('refuses an unknown host in a pin set or the ignored list when prometheus.exporters lists every host', () => {
    const exporters = {
      hypervisors: ['kvm-a=test:///default', 'kvm-b=qemu+ssh://kvm-b/system'],
      prometheus: { exporters: { 'kvm-a': 'kvm-a:9177', 'kvm-b': 'kvm-b:9177' } },
    };
    const msg = errorOf(
      { pins: [{ vms: ['a'], hosts: ['kvm-a', 'kvm-x'] }], ignoredHosts: ['kvm-y'] },
      exporters,
    );
    expect(msg).toMatch(
      /planner\.pins\.0\.hosts\.1: unknown host "kvm-x" \(prometheus\.exporters lists kvm-a, kvm-b\)/,
    );
    expect(msg).toMatch(/planner\.ignoredHosts\.0: unknown host "kvm-y"/);
    expect(() =>
      validateConfig({ ...base, ...exporters, planner: { pins: [{ vms: ['a'], hosts: ['kvm-b'] }] } }),
    ).not.toThrow();
  });
});
