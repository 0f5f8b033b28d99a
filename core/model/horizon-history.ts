// A host's horizon history (issue 12): its demand over the last planning horizon at a coarse
// step — what tells the planner whether the present load lasts the horizon it weighs a
// migration over (a host that bursts and cools in cycles shows it here; the short
// `usageHistory` of the hotspot rule cannot). Both metrics sources build it with the same
// span and step: Prometheus from one range query per round, the simulator from its samples.

/** Default planning horizon in seconds (`planner.migration.horizonSeconds`). */
export const DEFAULT_HORIZON_SECONDS = 600;

/** Points of a horizon history: its step is the horizon divided by this (30 s for 600 s). */
export const HORIZON_HISTORY_POINTS = 20;

/**
 * Step of the horizon history: the horizon over HORIZON_HISTORY_POINTS, rounded to a whole
 * number (at least one) of observation intervals, so every point averages whole samples.
 */
export function horizonStepSeconds(horizonSeconds: number, intervalSeconds: number): number {
  if (!(horizonSeconds > 0) || !(intervalSeconds > 0))
    throw new Error(
      `horizon history: horizon ${horizonSeconds} s and interval ${intervalSeconds} s must be > 0`,
    );
  const intervals = Math.max(1, Math.round(horizonSeconds / HORIZON_HISTORY_POINTS / intervalSeconds));
  return intervals * intervalSeconds;
}

/** Points covering the horizon at that step (the newest ends now). */
export function horizonPoints(horizonSeconds: number, stepSeconds: number): number {
  return Math.max(1, Math.ceil(horizonSeconds / stepSeconds));
}
