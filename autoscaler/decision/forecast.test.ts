import { ewma, forecastNext, forecastSeries, holt, presentShare } from './forecast';

describe('ewma', () => {
  it('smooths with alpha toward the newest value', () => {
    // 10 → 0.5·20 + 0.5·10 = 15 → 0.5·40 + 0.5·15 = 27.5
    expect(ewma([10, 20, 40], 0.5)).toBeCloseTo(27.5);
  });
  it('with alpha 1 is the last sample, and 0 on an empty series', () => {
    expect(ewma([3, 9, 4], 1)).toBe(4);
    expect(ewma([], 0.5)).toBe(0);
  });
});

describe('holt', () => {
  it('extrapolates a straight line exactly one step ahead', () => {
    expect(holt([1, 2, 3, 4, 5], 0.5, 0.3)).toBeCloseTo(6);
  });
  it('returns the single value of a one-point series', () => {
    expect(holt([7], 0.5, 0.3)).toBe(7);
  });
});

describe('forecastNext', () => {
  it('picks the method and never goes negative', () => {
    expect(forecastNext([5, 3, 1], { method: 'holt', alpha: 0.9, beta: 0.9 })).toBe(0);
    expect(forecastNext([10, 20, 40], { method: 'ewma', alpha: 0.5, beta: 0.3 })).toBeCloseTo(27.5);
  });
});

describe('forecastSeries', () => {
  it('equals forecastNext on the extracted series, for both methods', () => {
    const rows = [3, 5, 4, 8, 9].map((x) => ({ v: x }));
    for (const method of ['ewma', 'holt'] as const) {
      const p = { method, alpha: 0.6, beta: 0.2 };
      expect(forecastSeries(rows, 'v', p)).toBeCloseTo(forecastNext([3, 5, 4, 8, 9], p), 12);
      expect(forecastSeries([{ v: 2 }], 'v', p)).toBe(2);
      expect(forecastSeries([], 'v', p)).toBe(0);
    }
  });
});

describe('presentShare (how much of the horizon the present state lasts)', () => {
  const hi = 0.9;
  const lo = 0.5;
  it('a burst that has run as long as the bursts before it is about to end: 0', () => {
    // Bursts of 3 steps (30 s each), lulls of 3; the present burst is 3 steps old.
    const s = [lo, lo, hi, hi, hi, lo, lo, lo, hi, hi, hi, lo, lo, lo, hi, hi, hi];
    expect(presentShare(s, 0.85, 30, 600)).toBe(0);
  });
  it('a young burst lasts the rest of the mean burst length', () => {
    const s = [lo, lo, hi, hi, hi, hi, lo, lo, lo, hi, hi, hi, hi, lo, lo, hi];
    // Completed bursts 4 steps (120 s); the present one 1 step old: 90 s of 600.
    expect(presentShare(s, 0.85, 30, 600)).toBeCloseTo(90 / 600);
  });
  it('a lull between bursts ends too (a destination that bursts)', () => {
    const s = [hi, hi, lo, lo, lo, hi, hi, lo];
    // Completed lull: 3 steps; the present one 1 step old: 60 s of 600.
    expect(presentShare(s, 0.85, 30, 600)).toBeCloseTo(60 / 600);
  });
  it('without a completed episode of the present state the present lasts: 1', () => {
    expect(presentShare([lo, lo, lo, lo, hi, hi, hi], 0.85, 30, 600)).toBe(1); // stepped up
    expect(presentShare(new Array(20).fill(hi), 0.85, 30, 600)).toBe(1); // steadily hot
    expect(presentShare([hi, hi, lo, lo, hi, hi], 0.85, 30, 600)).toBe(1); // the only hot runs are censored
    expect(presentShare([hi, hi], 0.85, 30, 600)).toBe(1);
  });
});
