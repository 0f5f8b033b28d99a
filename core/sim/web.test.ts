import { swapFactor, webStep, WEB_TIMEOUT_SECONDS, type Cohort } from './web';

const base = { nowSeconds: 100, costCpuSeconds: 0.02, slowdown: 1, dtSeconds: 1, queueLimit: 1000 };

describe('webStep (web VM as a queue)', () => {
  it('serves everything with enough CPU: response time = service time', () => {
    const r = webStep({ ...base, cohorts: [], arrivals: 40, cpuSeconds: 1 });
    expect(r.served).toBe(40);
    expect(r.backlog).toBe(0);
    expect(r.responseTimeSeconds).toBeCloseTo(0.02);
  });

  it('builds a backlog when CPU is short; queueing delay by Little’s law', () => {
    // 100 req arrive, 1 cpu-s at 0.02 s each serves 50: 50 wait, throughput 50/s → 1 s wait.
    const q: Cohort[] = [];
    const r = webStep({ ...base, cohorts: q, arrivals: 100, cpuSeconds: 1, slowdown: 2 });
    expect(r.served).toBeCloseTo(50);
    expect(r.backlog).toBeCloseTo(50);
    expect(q).toEqual([{ at: 100, count: 50 }]);
    expect(r.responseTimeSeconds).toBeCloseTo(0.04 + 1);
  });

  it('serves the oldest requests first', () => {
    const q: Cohort[] = [
      { at: 90, count: 10 },
      { at: 95, count: 10 },
    ];
    const r = webStep({ ...base, cohorts: q, arrivals: 10, cpuSeconds: 0.3 });
    expect(r.served).toBeCloseTo(15);
    expect(q.map((c) => [c.at, Math.round(c.count)])).toEqual([
      [95, 5],
      [100, 10],
    ]);
  });

  it('clients abandon requests older than the timeout; the queue limit refuses the newest', () => {
    const q: Cohort[] = [
      { at: 100 - WEB_TIMEOUT_SECONDS, count: 30 },
      { at: 99, count: 40 },
    ];
    const r = webStep({ ...base, cohorts: q, arrivals: 20, cpuSeconds: 0.2, queueLimit: 50 });
    // 10 served from the oldest cohort, its other 20 time out; 40 + 20 waiting > 50: 10 refused.
    expect(r.served).toBeCloseTo(10);
    expect(r.dropped).toBeCloseTo(30);
    expect(r.backlog).toBeCloseTo(50);
  });

  it('reports the client timeout when requests wait and none are served', () => {
    const r = webStep({ ...base, cohorts: [{ at: 99, count: 5 }], arrivals: 0, cpuSeconds: 0 });
    expect(r.served).toBe(0);
    expect(r.responseTimeSeconds).toBe(WEB_TIMEOUT_SECONDS);
  });

  it('swapFactor penalises a working set larger than the balloon', () => {
    expect(swapFactor(100, 200)).toBe(1);
    expect(swapFactor(200, 100)).toBeCloseTo(1 + 3 * 0.5);
  });
});
