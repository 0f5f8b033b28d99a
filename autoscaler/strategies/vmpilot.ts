// vmpilot's own planner as a strategy: the same planLocalRound / planGlobalRound that
// production runs; `local` and `global` keep one of the two rounds (the seed experiment's
// LocalTuning and GlobalTuning scenarios), `gl` both.
import { planGlobalRound, planLocalRound } from '../decision/planner';
import type { Strategy } from './strategy';

export function vmpilotStrategy(rounds: 'gl' | 'local' | 'global' = 'gl'): Strategy {
  return {
    name: rounds,
    ...(rounds !== 'global' ? { local: planLocalRound } : {}),
    ...(rounds !== 'local' ? { global: planGlobalRound } : {}),
  };
}
