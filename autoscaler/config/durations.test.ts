// Every config field that takes a time span accepts a plain number (its unit: seconds, or
// milliseconds for `…Ms`) or a Prometheus/Go duration text (`20s`, `5m`, `1h30m`), through
// the one parser (core/model/duration.ts); a bad text is one line naming the key.
import { ConfigError, parseConfigText } from './load';
import type { LoadedConfig } from './load';

const BASE = 'hypervisors: [sim://seed-experiment]\n';

/** Every optional section present, so every time field of the schema is in the parsed config. */
function fullConfig(): Record<string, unknown> {
  return {
    hypervisors: ['sim://seed-experiment'],
    leader: { etcd: { endpoints: ['http://127.0.0.1:2379'] } },
    failover: { fencing: { command: ['/bin/true'] } },
    plausibility: { counterSkewSeconds: 3 },
    applier: { maxDowntimeMs: 300 },
  };
}

function parse(text: string): LoadedConfig {
  return parseConfigText(text, 'test.yaml', '/etc/vmpilot');
}

function problemsOf(text: string): string[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('config was accepted');
}

/** The full config with `value` at a dotted path, as YAML text (JSON is YAML). */
function withValue(dotted: string, value: unknown): string {
  const cfg = fullConfig();
  const keys = dotted.split('.');
  let o = cfg;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys[keys.length - 1]] = value;
  return JSON.stringify(cfg);
}

function at(cfg: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg);
}

/** Every time field of the schema with a duration that fits its bounds and what it must become. */
const TIME_FIELDS: ReadonlyArray<[path: string, text: string, value: number]> = [
  ['prometheus.timeoutSeconds', '1m30s', 90],
  ['prometheus.scrapeIntervalSeconds', '1m', 60],
  ['plausibility.counterSkewSeconds', '2m', 120],
  ['plausibility.clockSkewSeconds', '1h', 3600],
  ['loops.roundDeadlineSeconds', '45s', 45],
  ['applier.migrationTimeoutSeconds', '1h30m', 5400],
  ['applier.callTimeoutSeconds', '500ms', 0.5],
  ['applier.maxDowntimeMs', '1s', 1000],
  ['alerts.ttlSeconds', '15m', 900],
  ['failover.heartbeatTimeoutSeconds', '3s', 3],
  ['failover.fencing.timeoutSeconds', '1m', 60],
  ['leader.etcd.leaseSeconds', '15s', 15],
  ['leader.etcd.callTimeoutSeconds', '1500ms', 1.5],
  ['planner.t2Seconds', '10s', 10],
  ['planner.t1Seconds', '2m', 120],
  ['planner.cooldownSeconds', '1h', 3600],
  ['planner.migration.timeoutSeconds', '5m', 300],
  ['planner.migration.horizonSeconds', '20m', 1200],
  ['planner.shortage.saveAfterSeconds', '30m', 1800],
];

/** Dotted paths of every number-valued key named …Seconds or …Ms in a parsed config. */
function timeKeys(o: unknown, prefix = ''): string[] {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return [];
  return Object.entries(o).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && /(Seconds|Ms)$/.test(k)) return [p];
    return timeKeys(v, p);
  });
}

describe('durations in vmpilot.yaml', () => {
  it('the table below covers the time fields of the schema', () => {
    const found = timeKeys(parse(JSON.stringify(fullConfig())));
    expect(TIME_FIELDS.map(([p]) => p).filter((p) => !found.includes(p))).toEqual([]);
  });

  it('every time field found in a full config takes a duration text (none left numbers-only)', () => {
    const full = parse(JSON.stringify(fullConfig()));
    const found = timeKeys(full);
    expect(found.length).toBeGreaterThanOrEqual(TIME_FIELDS.length);
    for (const p of found) {
      const value = at(full, p) as number;
      // The same span as milliseconds text: back to the same number in the key's unit.
      const text = `${p.endsWith('Ms') ? value : value * 1000}ms`;
      expect([p, at(parse(withValue(p, text)), p)]).toEqual([p, value]);
    }
  });

  it.each(TIME_FIELDS)('%s accepts "%s"', (p, text, value) => {
    expect(at(parse(withValue(p, text)), p)).toBe(value);
  });

  it('plain numbers keep their unit (seconds; milliseconds for …Ms), quoted ones too', () => {
    const cfg = parse(
      BASE +
        'planner: {t2Seconds: 30, t1Seconds: "90"}\napplier: {maxDowntimeMs: 250, callTimeoutSeconds: 0.5}\n',
    );
    expect([cfg.planner.t2Seconds, cfg.planner.t1Seconds]).toEqual([30, 90]);
    expect([cfg.applier.maxDowntimeMs, cfg.applier.callTimeoutSeconds]).toEqual([250, 0.5]);
  });

  it('a bad duration is one line naming the key', () => {
    const problems = problemsOf(BASE + 'planner: {t2Seconds: "5x"}\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^planner\.t2Seconds: "5x" is not a duration \(e\.g\. 1m30s/);
    expect(problemsOf(BASE + 'failover: {heartbeatTimeoutSeconds: "-3s"}\n')).toEqual([
      expect.stringMatching(/^failover\.heartbeatTimeoutSeconds: "-3s" is not a duration/),
    ]);
    expect(problemsOf(BASE + 'loops: {roundDeadlineSeconds: true}\n')).toEqual([
      expect.stringMatching(/^loops\.roundDeadlineSeconds: expected a number of seconds or a duration/),
    ]);
  });

  it('the bounds apply to the parsed value', () => {
    expect(problemsOf(BASE + 'prometheus: {timeoutSeconds: "10m"}\n')).toEqual([
      expect.stringMatching(/^prometheus\.timeoutSeconds: .*300/),
    ]);
    expect(
      problemsOf(BASE + 'leader: {etcd: {endpoints: ["http://e:2379"], leaseSeconds: "1500ms"}}\n'),
    ).toEqual([expect.stringMatching(/^leader\.etcd\.leaseSeconds: .*expected int/)]);
    // T1 must stay an integral multiple of T2 whichever way they are written.
    expect(parse(BASE + 'planner: {t2Seconds: 20s, t1Seconds: 2m}\n').planner.t1Seconds).toBe(120);
    expect(problemsOf(BASE + 'planner: {t2Seconds: 20s, t1Seconds: 90s}\n')).toEqual([
      expect.stringMatching(/^planner\.t1Seconds: T1 \(90 s\) must be an integral multiple of T2 \(20 s\)/),
    ]);
  });
});
