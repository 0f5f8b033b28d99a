import { parseConfigText } from '../config/load';
import { changedSettings, effectiveConfig, RESTART_ONLY } from './reload';

const BASE = [
  'hypervisors: ["test:///default"]',
  'listen: 127.0.0.1:9178',
  'journal: /var/lib/vmpilot/journal.jsonl',
  'planner: {t2Seconds: 20s, t1Seconds: 2m}',
  'applier: {maxConcurrentMigrations: 1, callTimeoutSeconds: 10}',
].join('\n');

const load = (text: string) => parseConfigText(text, 'vmpilot.yaml', '/etc/vmpilot');

describe('config reload: what changes and what a restart needs', () => {
  it('names changed settings by their dotted path, split by whether a reload applies them', () => {
    const running = load(BASE);
    const next = load(
      BASE.replace('maxConcurrentMigrations: 1', 'maxConcurrentMigrations: 2')
        .replace('callTimeoutSeconds: 10', 'callTimeoutSeconds: 30')
        .replace('127.0.0.1:9178', '0.0.0.0:9178')
        .replace('t1Seconds: 2m', 't1Seconds: 4m') +
        '\nprometheus: {url: "http://prom:9090"}\npaused: true\n',
    );
    expect(changedSettings(running, next)).toEqual({
      applied: ['applier.maxConcurrentMigrations', 'planner.t1Seconds', 'prometheus.url'],
      needsRestart: ['applier.callTimeoutSeconds', 'listen', 'paused', 'planner.paused'],
    });
    expect(changedSettings(running, load(BASE))).toEqual({ applied: [], needsRestart: [] });
    // The same values written differently are no change.
    expect(changedSettings(running, load(BASE.replace('20s', '20').replace('2m', '120s')))).toEqual({
      applied: [],
      needsRestart: [],
    });
  });

  it('runs with the new file but the running value of every restart-only setting', () => {
    const running = load(BASE + '\nleader: {etcd: {endpoints: ["http://e:2379"]}}\n');
    const next = load(
      BASE.replace('127.0.0.1:9178', '0.0.0.0:9178')
        .replace('journal.jsonl', 'other.jsonl')
        .replace('maxConcurrentMigrations: 1', 'maxConcurrentMigrations: 4')
        .replace('callTimeoutSeconds: 10', 'callTimeoutSeconds: 30') + '\nfailover: {k: 1}\n',
    );
    const eff = effectiveConfig(running, next);
    expect([eff.listen, eff.journal, eff.applier.callTimeoutSeconds, eff.failover.k]).toEqual([
      '127.0.0.1:9178',
      '/var/lib/vmpilot/journal.jsonl',
      10,
      running.failover.k,
    ]);
    expect(eff.leader).toEqual(running.leader); // removed from the file: still running with it
    expect(eff.applier.maxConcurrentMigrations).toBe(4);
    // Nothing restart-only differs from the running config any more; the rest is the new file.
    expect(changedSettings(running, eff).needsRestart).toEqual([]);
    expect(changedSettings(next, eff).applied).toEqual([]);
    expect(next.listen).toBe('0.0.0.0:9178'); // the new config itself is untouched
  });

  it('lists only settings the schema has', () => {
    const cfg = load(
      BASE + '\nleader: {etcd: {endpoints: ["http://e:2379"]}}\nexporter: {listen: 127.0.0.1:9177}\n',
    );
    for (const p of RESTART_ONLY) {
      const value = p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg);
      expect([p, value === undefined]).toEqual([p, false]);
    }
  });
});
