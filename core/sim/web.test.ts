import { swapFactor, webStep, WEB_TIMEOUT_SECONDS } from './web';

describe('webStep (web VM as a queue)', () => {
  it('serves everything with enough CPU: response time = service time', () => {
    const r = webStep({
      backlog: 0,
      arrivals: 40,
      cpuSeconds: 1,
      costCpuSeconds: 0.02,
      slowdown: 1,
      dtSeconds: 1,
      queueLimit: 100,
    });
    expect(r.served).toBe(40);
    expect(r.backlog).toBe(0);
    expect(r.responseTimeSeconds).toBeCloseTo(0.02);
  });

  it('builds a backlog when CPU is short; queueing delay by Little’s law', () => {
    // 100 req arrive, 1 cpu-s at 0.02 s each serves 50: 50 wait, throughput 50/s → 1 s wait.
    const r = webStep({
      backlog: 0,
      arrivals: 100,
      cpuSeconds: 1,
      costCpuSeconds: 0.02,
      slowdown: 2,
      dtSeconds: 1,
      queueLimit: 1000,
    });
    expect(r.served).toBeCloseTo(50);
    expect(r.backlog).toBeCloseTo(50);
    expect(r.responseTimeSeconds).toBeCloseTo(0.04 + 1);
  });

  it('drops what exceeds the queue limit', () => {
    const r = webStep({
      backlog: 90,
      arrivals: 20,
      cpuSeconds: 0.2,
      costCpuSeconds: 0.02,
      slowdown: 1,
      dtSeconds: 1,
      queueLimit: 50,
    });
    expect(r.served).toBeCloseTo(10);
    expect(r.dropped).toBeCloseTo(50);
    expect(r.backlog).toBeCloseTo(50);
  });

  it('reports the client timeout when requests wait and none are served', () => {
    const r = webStep({
      backlog: 5,
      arrivals: 0,
      cpuSeconds: 0,
      costCpuSeconds: 0.02,
      slowdown: 1,
      dtSeconds: 1,
      queueLimit: 50,
    });
    expect(r.served).toBe(0);
    expect(r.responseTimeSeconds).toBe(WEB_TIMEOUT_SECONDS);
  });

  it('swapFactor penalises a working set larger than the balloon', () => {
    expect(swapFactor(100, 200)).toBe(1);
    expect(swapFactor(200, 100)).toBeCloseTo(1 + 3 * 0.5);
  });
});
