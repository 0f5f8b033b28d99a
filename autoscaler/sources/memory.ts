// In-memory metrics source: the snapshot comes from a function (the simulator's model in
// tests and benchmarks), with the same stale/down rules as the Prometheus source.
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { DEFAULT_STALE_INTERVALS, staleHold } from '../../core/model/staleness';
import type { HeldHost, HeldVm, MetricsSource, Observation } from './source';

const ACTIVE = new Set(['running', 'blocked', 'paused']);

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
    // The same VM-grain rule as the Prometheus source: a running VM without samples is held
    // itself (the plausibility gate counts it at its last known demand).
    const heldVms: HeldVm[] = snapshot.vms
      .filter((v) => ACTIVE.has(v.state) && v.usageHistory.length === 0)
      .map((v) => ({
        vm: v.name,
        host: v.host,
        code: 'no_samples',
        reason: `no samples for ${v.name} on ${v.host}`,
      }));
    const ages = snapshot.hosts.map((h) => h.ageSeconds);
    return {
      snapshot,
      held,
      ...(heldVms.length ? { heldVms } : {}),
      ageSeconds: ages.length ? Math.max(0, Math.min(...ages)) : 0,
    };
  }
}
