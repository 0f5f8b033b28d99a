// The gate's CPU bound (issue 17): cores × cpuMargin × rate()'s error factor
// 1 + max(L / (W − 2I), (I + L) / (W − I)) for a source that computes rates (Prometheus),
// cores × cpuMargin for one with exact numbers; from config (`plausibility`) with defaults.
// The real-Prometheus side is test/e2e/plausibility-rate.test.ts.
import { validateConfig } from '../config/load';
import { promDurationSeconds, rateWindowFor } from '../config/schema';
import { sourceFromConfig } from '../service/run';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { MemorySource } from './memory';
import type { MetricsSource } from './source';
import { cpuBoundFactor, DEFAULT_PLAUSIBILITY, PlausibilityGate, rateErrorFactor } from './plausibility';

const GiB = 2 ** 30;

/** One 2-core host with one VM using `cores` at every point. */
function observation(cores: number) {
  const snapshot: ClusterSnapshot = {
    at: 0,
    intervalSeconds: 1,
    hosts: [
      {
        name: 'h',
        cpus: 2,
        capacity: { cpu: 2, mem: 4 * GiB, disk: 1e8, net: 1e8 },
        usageHistory: [{ cpu: cores, mem: GiB, disk: 0, net: 0 }],
        up: true,
        ageSeconds: 1,
      },
    ],
    vms: [
      {
        name: 'v',
        host: 'h',
        state: 'running',
        vcpus: 2,
        memoryBytes: GiB,
        workload: 'cpu',
        usageHistory: [{ cpu: cores, mem: GiB, disk: 0, net: 0 }],
        allocation: {},
      },
    ],
  };
  return { snapshot, held: [], ageSeconds: 1 };
}

const config = (extra: Record<string, unknown> = {}) =>
  validateConfig({ hypervisors: ['sim://seed-experiment'], ...extra }, 'test.yaml', '/tmp');

describe('rate() error factor', () => {
  it('is 1 + the worse of: read spread over window − 2 intervals (edge scrape missing), one interval more over window − 1 (mode switch)', () => {
    // Default window of 4 intervals, L = I: max(1/2, 2/3).
    expect(rateErrorFactor({ scrapeIntervalSeconds: 1, rateWindowSeconds: 4 })).toBeCloseTo(5 / 3, 12);
    expect(rateErrorFactor({ scrapeIntervalSeconds: 15, rateWindowSeconds: 60 })).toBeCloseTo(5 / 3, 12);
    expect(rateErrorFactor({ scrapeIntervalSeconds: 2, rateWindowSeconds: 62 })).toBeCloseTo(1 + 4 / 60, 12);
    // A read spread of 0.3 s at 1 s scrapes: max(0.3/2, 1.3/3).
    expect(rateErrorFactor({ scrapeIntervalSeconds: 1, rateWindowSeconds: 4 }, 0.3)).toBeCloseTo(
      1 + 1.3 / 3,
      12,
    );
    // With a long read spread the missing edge scrape is the worse case: max(3/2, 4/3).
    expect(rateErrorFactor({ scrapeIntervalSeconds: 1, rateWindowSeconds: 4 }, 3)).toBeCloseTo(2.5, 12);
    // A window under three intervals still spans at least one.
    expect(rateErrorFactor({ scrapeIntervalSeconds: 5, rateWindowSeconds: 6 })).toBe(3);
  });

  it('stays below 2 at the default window, so a host counted twice is held', () => {
    expect(
      cpuBoundFactor(DEFAULT_PLAUSIBILITY, { scrapeIntervalSeconds: 2, rateWindowSeconds: 8 }),
    ).toBeCloseTo(1.75, 12);
  });

  it('comes from the config: rate window (default 4 intervals or prometheus.rateWindow) and plausibility', () => {
    const d = config();
    expect(d.plausibility).toEqual(DEFAULT_PLAUSIBILITY);
    expect(rateWindowFor(d)).toEqual({ scrapeIntervalSeconds: 15, rateWindowSeconds: 60 });
    const c = config({
      prometheus: { scrapeIntervalSeconds: 2, rateWindow: '1m2s' },
      plausibility: { cpuMargin: 1.1, counterSkewSeconds: 1 },
    });
    expect(cpuBoundFactor(c.plausibility, rateWindowFor(c))).toBeCloseTo(1.1 * (1 + 3 / 60), 12);
    expect(promDurationSeconds('1m30s500ms')).toBe(90.5);
  });

  it('is a property of the source: Prometheus computes rates over its window, the in-memory source is exact', () => {
    const c = config({ prometheus: { scrapeIntervalSeconds: 2, rateWindow: '1m2s' } });
    expect(sourceFromConfig(c).cpuRateWindow).toEqual({ scrapeIntervalSeconds: 2, rateWindowSeconds: 62 });
    expect(sourceFromConfig(config()).cpuRateWindow).toEqual(rateWindowFor(config()));
    const memory: MetricsSource = new MemorySource(() => observation(1).snapshot);
    expect(memory.cpuRateWindow).toBeUndefined();
  });

  it('refuses margins below 1, naming the key and the file', () => {
    expect(() => config({ plausibility: { cpuMargin: 0.9 } })).toThrow(
      /test\.yaml.*plausibility\.cpuMargin/s,
    );
    expect(() => config({ plausibility: { cpuBound: 2 } })).toThrow(/test\.yaml/);
  });
});

describe('the gate with a rate window', () => {
  const rate = { scrapeIntervalSeconds: 1, rateWindowSeconds: 4 };
  const factor = cpuBoundFactor(DEFAULT_PLAUSIBILITY, rate);

  it('passes use up to cores × the bound and holds use beyond it, naming the bound', () => {
    const gate = new PlausibilityGate({}, rate);
    expect(gate.check(observation(2 * factor * 0.999)).held).toEqual([]);
    const held = gate.check(observation(2 * factor * 1.001)).held;
    expect(held).toHaveLength(1);
    expect(held[0].code).toBe('implausible_metrics');
    expect(held[0].reason).toMatch(/usage cpu = [\d.]+ \(above 2 cores × 1\.75 = 3\.5\)/);
  });

  it('all cores plus the measured worst error (×1.14, 1 s scrapes, loaded) passes; the old ×1.05 did not', () => {
    expect(new PlausibilityGate({}, rate).check(observation(2 * 1.14)).held).toEqual([]);
    expect(new PlausibilityGate({}).check(observation(2 * 1.14)).held).toHaveLength(1);
  });

  it('follows the configured margins', () => {
    // No read spread left: the mode switch's one interval over the 3-interval span remains.
    const gate = new PlausibilityGate({ cpuMargin: 1, counterSkewSeconds: 0 }, rate);
    expect(gate.check(observation(2 * (4 / 3) * 0.999)).held).toEqual([]);
    expect(gate.check(observation(2 * (4 / 3) * 1.001)).held).toHaveLength(1);
    // A source with exact numbers: the margin alone.
    const exact = new PlausibilityGate({ cpuMargin: 1 });
    expect(exact.check(observation(2)).held).toEqual([]);
    expect(exact.check(observation(2.01)).held).toHaveLength(1);
  });
});
