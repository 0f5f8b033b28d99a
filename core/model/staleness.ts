// Staleness (SPEC §7: never act on stale data): a host whose newest sample is older than
// `staleIntervals` observation intervals is held. One rule from one setting
// (`planner.staleIntervals`, default DEFAULT_STALE_INTERVALS): the metrics sources
// (autoscaler/sources/), the planner's guard (autoscaler/decision/guards.ts) and the
// baselines (autoscaler/strategies/common.ts) all judge with `staleHold`.
import type { HeldHost } from './hold';

/** Default of `planner.staleIntervals`. */
export const DEFAULT_STALE_INTERVALS = 2;

/** Why data `ageSeconds` old is too old to act on, or undefined when it is fresh enough. */
export function staleHold(
  ageSeconds: number,
  intervalSeconds: number,
  staleIntervals: number,
): Omit<HeldHost, 'host'> | undefined {
  const limit = staleIntervals * intervalSeconds;
  if (!(ageSeconds > limit)) return undefined;
  return { code: 'stale', reason: `stale data: ${ageSeconds.toFixed(0)} s old (limit ${limit} s)` };
}
