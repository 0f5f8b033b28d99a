// In-memory metrics source: the snapshot comes from a function (the simulator's model in
// tests and benchmarks), with the same stale/down rules as the Prometheus source.
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { DEFAULT_STALE_INTERVALS, staleHold } from '../../core/model/staleness';
import type { HeldHost, MetricsSource, Observation } from './source';

export interface MemorySourceOptions {
  /** `planner.staleIntervals` (default: its default). */
  staleIntervals?: number;
}

export class MemorySource implements MetricsSource {
  private readonly staleIntervals: number;

  constructor(
    private readonly read: (now: number) => ClusterSnapshot | Promise<ClusterSnapshot>,
    opts: MemorySourceOptions = {},
  ) {
    this.staleIntervals = opts.staleIntervals ?? DEFAULT_STALE_INTERVALS;
  }

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
      else {
        const stale = staleHold(h.ageSeconds, snapshot.intervalSeconds, this.staleIntervals);
        if (stale) held.push({ host: h.name, ...stale });
      }
    }
    const ages = snapshot.hosts.map((h) => h.ageSeconds);
    return { snapshot, held, ageSeconds: ages.length ? Math.min(...ages) : 0 };
  }
}
