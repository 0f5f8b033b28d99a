import { HorizonRecorder } from './horizon-recorder';

describe('simulator horizon recorder', () => {
  it('averages whole steps of observations, newest last, and keeps one horizon', () => {
    // 10-s observations, 600-s horizon: 30-s steps of 3 observations, 20 steps.
    const r = new HorizonRecorder(10, 600);
    expect(r.stepSeconds).toBe(30);
    r.record('vm', 1);
    r.record('vm', 2);
    expect(r.of('vm')).toBeUndefined();
    for (let i = 3; i <= 100; i++) r.record('vm', i);
    const h = r.of('vm') ?? [];
    expect(h).toHaveLength(20);
    expect(h[19]).toBeCloseTo(99); // (98 + 99 + 100) / 3
    expect(h[0]).toBeCloseTo(42); // the oldest kept: 41, 42, 43
  });
});
