import { defaultPlannerConfig } from './config';
import { isMaterial, limitsFor, waterfill } from './allocate';

describe('waterfill', () => {
  it('splits in proportion to the weights', () => {
    expect(waterfill(100, [1, 3], [0, 0], [Infinity, Infinity])).toEqual([25, 75]);
  });
  it('gives what a capped share cannot take to the others', () => {
    const out = waterfill(100, [1, 1, 2], [0, 0, 0], [10, Infinity, Infinity]);
    expect(out[0]).toBeCloseTo(10);
    expect(out[1]).toBeCloseTo(30);
    expect(out[2]).toBeCloseTo(60);
  });
  it('honours floors first, and scales floors down when they exceed the total', () => {
    const out = waterfill(100, [0, 1], [40, 0], [Infinity, Infinity]);
    expect(out).toEqual([40, 60]);
    expect(waterfill(100, [1, 1], [150, 50], [Infinity, Infinity])).toEqual([75, 25]);
  });
});

describe('limitsFor', () => {
  const cfg = defaultPlannerConfig({
    vmLimits: [
      { vm: 'web-*', cpuShares: { min: 256, max: 4096 } },
      { vm: 'web-01', cpuShares: { min: 512 }, memoryBytes: { max: 1000 } },
    ],
  });
  it('merges every matching entry, the tightest bound winning', () => {
    expect(limitsFor('web-01', cfg).cpuShares).toEqual({ min: 512, max: 4096 });
    expect(limitsFor('web-01', cfg).memoryBytes).toEqual({ min: 0, max: 1000 });
    expect(limitsFor('web-02', cfg).cpuShares).toEqual({ min: 256, max: 4096 });
    expect(limitsFor('db-1', cfg).cpuShares).toEqual({ min: 0, max: Infinity });
  });
});

describe('isMaterial', () => {
  it('needs a relative change of at least the hysteresis', () => {
    expect(isMaterial(1000, 1090, 0.1)).toBe(false);
    expect(isMaterial(1000, 1100, 0.1)).toBe(true);
    expect(isMaterial(undefined, 5, 0.1)).toBe(true);
    expect(isMaterial(0, 0, 0.1)).toBe(false);
  });
});
