// Binds vmpilot's pure planner (autoscaler/decision) to the simulation runner: the same
// planLocalRound / planGlobalRound that production runs, with the default config (or the
// one given), so `simulate` measures the real decision code.
import { defaultPlannerConfig, type PlannerConfig, type PlannerConfigInput } from '../decision/config';
import { planGlobalRound, planLocalRound } from '../decision/planner';
import type { PlannerBinding } from '../simulate/runner';

export function vmpilotPlanner(
  overrides: PlannerConfigInput = {},
): PlannerBinding & { config: PlannerConfig } {
  const config = defaultPlannerConfig(overrides);
  return {
    config,
    t1Seconds: config.t1Seconds,
    t2Seconds: config.t2Seconds,
    local: (input) => planLocalRound({ ...input, config }),
    global: (input) => planGlobalRound({ ...input, config }),
  };
}
