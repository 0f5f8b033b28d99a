import type { ResourceVector } from '../../core/model/snapshot';
import { classifyHost, hotCount } from './hotspots';

const cpu = (x: number): ResourceVector => ({ cpu: x, mem: 0.5, disk: 0.1, net: 0.1 });
const p = { high: 0.85, low: 0.4, k: 3, n: 5 };

describe('hotspots k of n', () => {
  it('counts only the last n observations', () => {
    expect(
      hotCount([cpu(0.9), cpu(0.9), cpu(0.1), cpu(0.1), cpu(0.1), cpu(0.1), cpu(0.9)], 'cpu', 0.85, 5),
    ).toBe(1);
  });
  it('is overloaded with 3 hot of the last 5 and a hot forecast', () => {
    const v = classifyHost([cpu(0.9), cpu(0.2), cpu(0.95), cpu(0.3), cpu(0.9)], cpu(0.9), p);
    expect(v.overloaded).toBe(true);
    expect(v.hot).toEqual(['cpu']);
    expect(v.severity).toBeCloseTo(0.05);
  });
  it('is not overloaded with only 2 of 5 hot', () => {
    expect(classifyHost([cpu(0.9), cpu(0.2), cpu(0.2), cpu(0.3), cpu(0.9)], cpu(0.9), p).overloaded).toBe(
      false,
    );
  });
  it('takes an Alertmanager report for the k of n, not for the forecast', () => {
    const once = [cpu(0.2), cpu(0.2), cpu(0.2), cpu(0.3), cpu(0.9)];
    expect(classifyHost(once, cpu(0.9), p).overloaded).toBe(false);
    expect(classifyHost(once, cpu(0.9), p, true)).toMatchObject({ overloaded: true, hot: ['cpu'] });
    expect(classifyHost(once, cpu(0.6), p, true).overloaded).toBe(false);
  });
  it('is not overloaded when the forecast has cooled down, even with k of n', () => {
    expect(classifyHost([cpu(0.9), cpu(0.9), cpu(0.9)], cpu(0.6), p).overloaded).toBe(false);
  });
  it('is underloaded only when every resource is below low', () => {
    expect(classifyHost([], { cpu: 0.1, mem: 0.2, disk: 0, net: 0 }, p).underloaded).toBe(true);
    expect(classifyHost([], { cpu: 0.1, mem: 0.5, disk: 0, net: 0 }, p).underloaded).toBe(false);
  });
});
