// What a live migration costs besides its own duration and downtime — one definition for
// the simulator's physics (core/sim/model.ts) and the planner's cost estimate
// (autoscaler/decision/migration-value.ts):
// - CPU on both hosts for the copy (sender: copy + dirty-page scan; receiver: copy), taken
//   from what the hosts' VMs could use;
// - the moving guest's slowdown: every page it dirties while tracked takes a
//   write-protection fault and is copied again, costing it CPU and memory bandwidth in
//   proportion to its dirty rate relative to the copy stream (seed 004 §4: the overhead
//   grows with the write-intensive share of the workload). The factor is fitted on ONE
//   Table 1 row, OLTP (33.26 % overhead at its fitted 25.16 MiB/s over the 40 MiB/s
//   stream); the other rows are not fitted (they come out lower for SPEC-CPU/SPEC-jbb and
//   higher for IOZONE, whose writes go to the page cache of an I/O-bound guest).
//   Network contention is not in this factor: the copy shares the NICs (model.ts).
import { MIGRATION_CALIBRATION } from './precopy-calibration';
import { PRECOPY_DEFAULTS } from './precopy';

/** CPU the migration costs while it runs (cores). */
export const MIGRATION_CPU_COST = { sourceCores: 0.3, destinationCores: 0.15 } as const;

const OLTP = MIGRATION_CALIBRATION.OLTP;

/** Slowdown per unit of (dirty rate / stream bandwidth), fitted on OLTP. */
export const DIRTY_TRACKING_COST =
  OLTP.overhead / (OLTP.dirtyRateBytesPerSecond / PRECOPY_DEFAULTS.bandwidthBytesPerSecond);

/** A migrating guest keeps at least this share of its speed (tracking never stops it outright). */
export const MAX_MIGRATION_SLOWDOWN = 0.9;

/** Fraction of its speed a guest loses while it migrates (0..MAX_MIGRATION_SLOWDOWN). */
export function migrationSlowdown(dirtyRateBytesPerSecond: number, streamBytesPerSecond: number): number {
  if (!(streamBytesPerSecond > 0)) return MAX_MIGRATION_SLOWDOWN;
  const s = (DIRTY_TRACKING_COST * Math.max(0, dirtyRateBytesPerSecond)) / streamBytesPerSecond;
  return Math.min(MAX_MIGRATION_SLOWDOWN, s);
}
