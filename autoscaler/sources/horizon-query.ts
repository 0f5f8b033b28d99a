// The VMs' horizon history from Prometheus (core/model/horizon-history.ts): one range query
// per round, whatever the VM count — each VM's CPU use plus run-queue wait (the configured
// vmCpu and vmCpuWait queries, so one definition of each), summed by domain so a VM that
// moved keeps its history, over the planning horizon at its coarse step; rate() over the step
// (never shorter than the configured rate window) makes each point the step's average.
import { horizonPoints, horizonStepSeconds } from '../../core/model/horizon-history';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { expandQuery, type QueryName } from '../config/queries';
import type { RangeSeries } from './build-snapshot';

export interface HorizonQuery {
  promql: string;
  stepSeconds: number;
  /** Range start and end, ms since the epoch (the newest point at `now`). */
  startMs: number;
  endMs: number;
}

export function horizonCpuQuery(
  queries: Pick<Record<QueryName, string>, 'vmCpu' | 'vmCpuWait'>,
  o: { now: number; horizonSeconds: number; scrapeIntervalSeconds: number; rateWindowSeconds: number },
): HorizonQuery {
  const stepSeconds = horizonStepSeconds(o.horizonSeconds, o.scrapeIntervalSeconds);
  const window = `${Math.max(stepSeconds, o.rateWindowSeconds)}s`;
  const use = `sum by (domain) (${expandQuery(queries.vmCpu, { window })})`;
  const wait = `sum by (domain) (${expandQuery(queries.vmCpuWait, { window })})`;
  const points = horizonPoints(o.horizonSeconds, stepSeconds);
  return {
    // Without wait samples (an older exporter): use alone.
    promql: `${use} + (${wait} or ${use} * 0)`,
    stepSeconds,
    startMs: o.now - (points - 1) * stepSeconds * 1000,
    endMs: o.now,
  };
}

/**
 * Sets each VM's horizonCpu from the query's series (by `domain`), on the query's grid: a
 * missing point inside the range carries the one before it, leading missing points are
 * left out (a shorter history).
 */
export function withHorizonCpu(
  snapshot: ClusterSnapshot,
  series: readonly RangeSeries[],
  q: HorizonQuery,
): void {
  const stepMs = q.stepSeconds * 1000;
  const points = Math.round((q.endMs - q.startMs) / stepMs) + 1;
  // Point index on the grid (Prometheus' float timestamps may miss the exact millisecond).
  const byVm = new Map<string, (number | undefined)[]>();
  for (const s of series) {
    const vm = s.labels.domain;
    if (!vm) continue;
    const grid = byVm.get(vm) ?? new Array<number | undefined>(points).fill(undefined);
    for (const [time, v] of s.points) {
      const i = Math.round((time - q.startMs) / stepMs);
      if (i >= 0 && i < points && Number.isFinite(v)) grid[i] = (grid[i] ?? 0) + v;
    }
    byVm.set(vm, grid);
  }
  for (const vm of snapshot.vms) {
    const grid = byVm.get(vm.name);
    if (!grid) continue;
    const cores: number[] = [];
    let last: number | undefined;
    for (const g of grid) {
      const v = g ?? last;
      if (v === undefined) continue;
      cores.push(Math.max(0, v));
      last = v;
    }
    if (cores.length) vm.horizonCpu = { stepSeconds: q.stepSeconds, cores };
  }
}
