// The switch-over cost C of the pre-copy model (./precopy.ts), learned from a cluster's own
// past migrations. Pausing the guest, the last dirty-bitmap sync, sending device state and
// resuming on the destination cost a roughly fixed time that the round model has no room
// for: on the lab's TCG guests 164–404 ms of downtime even for guests dirtying nothing
// (issue 11). Each completed migration gives one sample: its measured downtime minus the
// stop-and-copy time the model predicted for it when it was planned (the reason's
// `stopCopySeconds` score). C is the median of the latest samples (robust to one stalled
// move), never below 0; with no sample there is nothing to learn from (undefined: C = 0).

/** One completed migration: what the model predicted for its last round, what was measured. */
export interface SwitchoverSample {
  /** ms since the epoch (when the migration was decided). */
  at: number;
  predictedStopCopySeconds: number;
  measuredDowntimeSeconds: number;
}

/** How many of the latest migrations the switch-over cost is learned from. */
export const SWITCHOVER_SAMPLES = 10;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The switch-over cost the latest samples show, seconds; undefined without a usable sample. */
export function learnedSwitchoverSeconds(
  samples: readonly SwitchoverSample[],
  latest = SWITCHOVER_SAMPLES,
): number | undefined {
  const usable = samples
    .filter((s) => Number.isFinite(s.predictedStopCopySeconds) && Number.isFinite(s.measuredDowntimeSeconds))
    .sort((a, b) => a.at - b.at)
    .slice(-latest);
  if (usable.length === 0) return undefined;
  return Math.max(0, median(usable.map((s) => s.measuredDowntimeSeconds - s.predictedStopCopySeconds)));
}
