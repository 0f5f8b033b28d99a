// A strategy plans rounds: vmpilot's planner or a baseline balancer. Every strategy is
// pure (snapshot + config + history + now → plan) and feeds the same service and applier,
// so simulations compare strategies under the same pre-conditions, slots and journal.
import type { Plan } from '../../core/model/plan';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from '../decision/config';
import type { PlannerHistory } from '../decision/planner';

export interface StrategyInput {
  snapshot: ClusterSnapshot;
  /** The service's planner config (baselines read what they share with it, e.g. staleness). */
  config: PlannerConfig;
  history: PlannerHistory;
  /** ms since the epoch. */
  now: number;
}

export interface Strategy {
  readonly name: string;
  /** Local round (every T2) on each host; absent: the strategy does no local tuning. */
  local?(input: StrategyInput): Plan;
  /** Global round (every T1): migrations; absent: the strategy never migrates. */
  global?(input: StrategyInput): Plan;
}
