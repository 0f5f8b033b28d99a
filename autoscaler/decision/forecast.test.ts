import { ewma, forecastNext, forecastSeries, holt } from './forecast';

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
