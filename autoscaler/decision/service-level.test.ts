import {
  aggregateServiceLevel,
  interpolate,
  minimumCap,
  profileValue,
  serviceLevel,
  serviceLevelHigher,
} from './service-level';

const p = { a: 10, b: 1, w: 0.5 };

describe('service level s(x)', () => {
  it('is 50 % at the target and matches SPEC §6 figures (a=10, b=1 s)', () => {
    expect(serviceLevel(1, p)).toBeCloseTo(0.5);
    expect(serviceLevel(0.5, p)).toBeCloseTo(0.99, 2);
    expect(serviceLevel(1.5, p)).toBeCloseTo(0.01, 2);
  });
  it('stays in (0, 2w) and decreases with the response time', () => {
    expect(serviceLevel(100, p)).toBeGreaterThan(0);
    expect(serviceLevel(-100, p)).toBeLessThan(1);
    expect(serviceLevel(0.8, p)).toBeGreaterThan(serviceLevel(0.9, p));
  });
  it('higher-is-better mirrors around the target', () => {
    expect(serviceLevelHigher(1.5, p)).toBeCloseTo(serviceLevel(0.5, p));
    expect(serviceLevelHigher(1, p)).toBeCloseTo(0.5);
  });
});

describe('aggregate σ', () => {
  it('is the weighted product', () => {
    expect(
      aggregateServiceLevel([
        { level: 0.9, weight: 1 },
        { level: 0.5, weight: 2 },
      ]),
    ).toBeCloseTo(0.9 * 0.25);
    expect(aggregateServiceLevel([])).toBe(1);
    expect(aggregateServiceLevel([{ level: 0, weight: 1 }])).toBe(0);
  });
});

describe('profile interpolation', () => {
  const rows = [
    {
      load: 1,
      points: [
        { cpuCores: 0.1, value: 1 },
        { cpuCores: 1, value: 0.1 },
      ],
    },
    {
      load: 10,
      points: [
        { cpuCores: 0.1, value: 10 },
        { cpuCores: 1, value: 0.5 },
      ],
    },
  ];
  it('interpolates linearly, and extrapolates from the end segment', () => {
    expect(
      interpolate(
        [
          { x: 0, y: 0 },
          { x: 2, y: 4 },
        ],
        1,
      ),
    ).toBe(2);
    expect(
      interpolate(
        [
          { x: 0, y: 0 },
          { x: 2, y: 4 },
        ],
        3,
      ),
    ).toBe(6);
  });
  it('interpolates over cores, then over load', () => {
    expect(profileValue(rows, 1, 0.55)).toBeCloseTo(0.55);
    // at 1 core: 0.1 at load 1, 0.5 at load 10 → 0.3 at 5.5
    expect(profileValue(rows, 5.5, 1)).toBeCloseTo(0.3);
  });
});

describe('minimum cap search', () => {
  // Response time 1/cap s; target s(x) ≥ 0.5 ⇔ x ≤ 1 s ⇔ cap ≥ 1 core.
  const levelAt = (cap: number) => serviceLevel(1 / cap, p);
  it('searches up from a low guess and lands on the smallest cap meeting the target', () => {
    const r = minimumCap({ levelAt, target: 0.5, start: 0.1, min: 0.05, max: 8, tolerance: 0.01 });
    expect(r.met).toBe(true);
    expect(r.cap).toBeGreaterThanOrEqual(1);
    expect(r.cap).toBeLessThan(1.01);
  });
  it('searches down from a high guess', () => {
    const r = minimumCap({ levelAt, target: 0.5, start: 6, min: 0.05, max: 8, tolerance: 0.01 });
    expect(r.cap).toBeGreaterThanOrEqual(1);
    expect(r.cap).toBeLessThan(1.01);
    expect(r.evaluations).toBeLessThan(20);
  });
  it('reports when even the maximum does not meet the target', () => {
    expect(
      minimumCap({ levelAt, target: 0.5, start: 0.1, min: 0.05, max: 0.5, tolerance: 0.01 }),
    ).toMatchObject({
      cap: 0.5,
      met: false,
    });
  });
});
