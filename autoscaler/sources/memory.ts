// In-memory metrics source: the snapshot comes from a function (the simulator's model in
// tests and benchmarks), with the same stale/down rules as the Prometheus source.
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { HeldHost, MetricsSource, Observation } from './source';

export class MemorySource implements MetricsSource {
  constructor(private readonly read: (now: number) => ClusterSnapshot | Promise<ClusterSnapshot>) {}

  async observe(now: number): Promise<Observation> {
    const snapshot = await this.read(now);
    const held: HeldHost[] = [];
    for (const h of snapshot.hosts) {
      if (!h.up)
        held.push({
          host: h.name,
          code: 'host_down',
          reason: 'host down: no fresh data from its hypervisor',
        });
      else if (h.ageSeconds > 2 * snapshot.intervalSeconds) {
        held.push({
          host: h.name,
          code: 'stale',
          reason: `stale: newest sample ${h.ageSeconds.toFixed(0)} s old (> 2 × ${snapshot.intervalSeconds} s)`,
        });
      }
    }
    const ages = snapshot.hosts.map((h) => h.ageSeconds);
    return { snapshot, held, ageSeconds: ages.length ? Math.min(...ages) : 0 };
  }
}
