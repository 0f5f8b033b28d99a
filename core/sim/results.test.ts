import { countPingPongs, countReturns, RequestHistogram } from './results';
import { webStep } from './web';

const move = (vm: string, from: string, to: string, minute: number, result = 'completed') => ({
  vm,
  from,
  to,
  startedAtMs: minute * 60_000,
  result,
});

describe('countReturns', () => {
  it('counts a VM coming back to a host it left, at any time; within 30 min separately', () => {
    const moves = [
      move('a', 'h1', 'h2', 0),
      move('a', 'h2', 'h1', 16), // back to h1 after 16 min: a return within 30 min
      move('b', 'h1', 'h2', 0),
      move('b', 'h2', 'h3', 10),
      move('b', 'h3', 'h1', 45), // back to h1, 45 min after leaving it: a return, not within
      move('c', 'h1', 'h2', 0),
      move('c', 'h2', 'h1', 5, 'aborted'), // aborted: the VM never came back
    ];
    expect(countReturns(moves, 30 * 60)).toEqual({ returns: 2, within: 1 });
    // The 10-minute ping-pong window misses the 16-minute return (the finding).
    expect(countPingPongs(moves, 600)).toBe(0);
  });

  it('measures the window from when the VM last left that host', () => {
    const moves = [move('a', 'h1', 'h2', 0), move('a', 'h2', 'h1', 40), move('a', 'h1', 'h2', 50)];
    // 40 min after leaving h1 (not within); back on h2 10 min after leaving it (within).
    expect(countReturns(moves, 30 * 60)).toEqual({ returns: 2, within: 1 });
  });
});

describe('RequestHistogram', () => {
  it('gives the per-request quantile, weighted by counts, to the millisecond', () => {
    const h = new RequestHistogram();
    h.add(0.02, 94);
    h.add(1.5, 5);
    h.add(30, 1);
    expect(h.quantile(0.5)).toBeCloseTo(0.02, 3);
    expect(h.quantile(0.95)).toBeCloseTo(1.5, 3);
    expect(h.quantile(1)).toBeCloseTo(30, 3);
    expect(new RequestHistogram().quantile(0.95)).toBe(0);
  });
});

describe('webStep per-request samples', () => {
  it('reports each served cohort with its own wait, not the step mean', () => {
    const samples: [number, number][] = [];
    const cohorts = [{ at: 90, count: 10 }];
    const r = webStep({
      cohorts,
      nowSeconds: 100,
      arrivals: 10,
      cpuSeconds: 0.4,
      costCpuSeconds: 0.02,
      slowdown: 1,
      dtSeconds: 1,
      queueLimit: 1000,
      servedSamples: samples,
    });
    expect(r.served).toBeCloseTo(20);
    expect(samples).toHaveLength(2);
    expect(samples[0][0]).toBeCloseTo(10.02); // waited since t=90
    expect(samples[0][1]).toBeCloseTo(10);
    expect(samples[1][0]).toBeCloseTo(0.02); // arrived this step
    expect(samples[1][1]).toBeCloseTo(10);
  });
});
