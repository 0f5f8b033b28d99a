// The VMs' horizon history from the Prometheus source's one range query (horizon-query.ts).
import { DEFAULT_QUERIES } from '../config/queries';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { vmOf, vec } from '../decision/cluster-builder';
import { horizonCpuQuery, withHorizonCpu } from './horizon-query';

const NOW = 1_700_000_000_123;

describe('horizon history query', () => {
  const q = horizonCpuQuery(DEFAULT_QUERIES, {
    now: NOW,
    horizonSeconds: 600,
    scrapeIntervalSeconds: 15,
    rateWindowSeconds: 60,
  });

  it('is one query over the horizon at its step: use + wait by domain, rate over the step or the rate window', () => {
    expect(q.stepSeconds).toBe(30);
    expect(q.endMs).toBe(NOW);
    expect((q.endMs - q.startMs) / 1000).toBe(19 * 30);
    expect(q.promql).toContain(
      'sum by (domain) (sum by (instance, host, domain) (rate(vmpilot_domain_cpu_time_seconds_total[60s])))',
    );
    expect(q.promql).toContain('vmpilot_domain_vcpu_delay_seconds_total[60s]');
    expect(q.promql).not.toContain('$window');
  });

  it('puts each VM’s series on the grid: summed by domain, a gap carried, leading gaps left out', () => {
    const snap: ClusterSnapshot = {
      at: NOW,
      intervalSeconds: 15,
      hosts: [],
      vms: [vmOf('a', 'h1', vec(1, 0)), vmOf('b', 'h2', vec(1, 0)), vmOf('c', 'h2', vec(1, 0))],
    };
    // Prometheus' float seconds: a millisecond off the grid still lands on its point.
    const at = (i: number) => q.startMs + i * 30_000 - 1;
    withHorizonCpu(
      snap,
      [
        {
          labels: { domain: 'a' },
          points: Array.from({ length: 20 }, (_, i) => [at(i), i] as [number, number]),
        },
        // b moved: two series (summed where they overlap), a gap at point 18.
        {
          labels: { domain: 'b' },
          points: [
            [at(16), 1],
            [at(17), 2],
          ],
        },
        {
          labels: { domain: 'b' },
          points: [
            [at(17), 0.5],
            [at(19), 3],
          ],
        },
      ],
      q,
    );
    expect(snap.vms[0].horizonCpu).toEqual({
      stepSeconds: 30,
      cores: Array.from({ length: 20 }, (_, i) => i),
    });
    expect(snap.vms[1].horizonCpu).toEqual({ stepSeconds: 30, cores: [1, 2.5, 2.5, 3] });
    expect(snap.vms[2].horizonCpu).toBeUndefined();
  });
});
