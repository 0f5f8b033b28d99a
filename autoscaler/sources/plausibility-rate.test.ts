// The gate's CPU bound (issue 17 b): cores × cpuMargin × rate()'s error factor
// 1 + counterSkew / (window − interval), from config (`plausibility`) with defaults.
// The real-Prometheus side is test/e2e/plausibility-rate.test.ts.
import { validateConfig } from '../config/load';
import { promDurationSeconds, rateWindowFor } from '../config/schema';
import type { ClusterSnapshot } from '../../core/model/snapshot';
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
  it('is 1 + one scrape interval over the sampled span (window − interval)', () => {
    expect(rateErrorFactor({ scrapeIntervalSeconds: 1, rateWindowSeconds: 4 })).toBeCloseTo(4 / 3, 12);
    expect(rateErrorFactor({ scrapeIntervalSeconds: 15, rateWindowSeconds: 60 })).toBeCloseTo(4 / 3, 12);
    expect(rateErrorFactor({ scrapeIntervalSeconds: 2, rateWindowSeconds: 62 })).toBeCloseTo(1 + 2 / 60, 12);
    // A window under two intervals still spans at least one.
    expect(rateErrorFactor({ scrapeIntervalSeconds: 5, rateWindowSeconds: 6 })).toBe(2);
    expect(
      rateErrorFactor({ scrapeIntervalSeconds: 1, rateWindowSeconds: 4, counterSkewSeconds: 0.3 }),
    ).toBeCloseTo(1.1, 12);
  });

  it('comes from the config: rate window (default 4 intervals or prometheus.rateWindow) and plausibility', () => {
    const d = config();
    expect(d.plausibility).toEqual(DEFAULT_PLAUSIBILITY);
    expect(rateWindowFor(d)).toEqual({ scrapeIntervalSeconds: 15, rateWindowSeconds: 60 });
    const c = config({
      prometheus: { scrapeIntervalSeconds: 2, rateWindow: '1m2s' },
      plausibility: { cpuMargin: 1.1, counterSkewSeconds: 1 },
    });
    expect(cpuBoundFactor(c.plausibility, rateWindowFor(c))).toBeCloseTo(1.1 * (1 + 1 / 60), 12);
    expect(promDurationSeconds('1m30s500ms')).toBe(90.5);
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
    expect(held[0].reason).toMatch(/usage cpu = [\d.]+ \(above 2 cores × 1\.4 = 2\.8\)/);
  });

  it('all cores plus the measured worst error (×1.14, 1 s scrapes, loaded) passes; the old ×1.05 did not', () => {
    expect(new PlausibilityGate({}, rate).check(observation(2 * 1.14)).held).toEqual([]);
    expect(new PlausibilityGate({}).check(observation(2 * 1.14)).held).toHaveLength(1);
  });

  it('follows the configured margins', () => {
    const gate = new PlausibilityGate({ cpuMargin: 1, counterSkewSeconds: 0 }, rate);
    expect(gate.check(observation(2)).held).toEqual([]);
    expect(gate.check(observation(2.01)).held).toHaveLength(1);
  });
});
