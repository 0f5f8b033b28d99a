// The strategies `vmpilot simulate --mode` can run, by name. Each one plans through the
// same service loop and applier; adding a balancer is one entry here. Every baseline plans
// within the same migration budget as vmpilot's planner (`planner.maxMigrationsPerRound`);
// the applier's concurrency limit (`applier.maxConcurrentMigrations`) then applies to all.
import type { Plan } from '../../core/model/plan';
import { operatorConstraints } from '../decision/constraints';
import { clairvoyantStrategy, type DemandOracle } from './clairvoyant';
import type { BaselineInput } from './common';
import { defaultDrsConfig, drsRound } from './drs';
import { defaultProxLbConfig, proxlbRound } from './proxlb';
import { defaultSandpiperConfig, sandpiperRound } from './sandpiper';
import type { Strategy, StrategyInput } from './strategy';
import { vmpilotStrategy } from './vmpilot';

/** What a strategy may be given besides its input: only simulations have an oracle. */
export interface StrategyContext {
  oracle?: DemandOracle;
}

/**
 * A baseline's global round under the service's planner config: its own settings with the
 * shared migration budget, the planner's staleness rule and the operator's constraints
 * (decision/constraints.ts); outside the migration windows it plans nothing and says why.
 */
function baselineGlobal<C extends { maxMigrationsPerRound: number }>(
  round: (input: BaselineInput<C>) => Plan,
  config: C,
): (input: StrategyInput) => Plan {
  return (input) => {
    const constraints = operatorConstraints(input.snapshot, input.config, input.now);
    const plan = round({
      ...input,
      config: { ...config, maxMigrationsPerRound: input.config.maxMigrationsPerRound },
      staleIntervals: input.config.staleIntervals,
      constraints,
    });
    if (!constraints.migrationHold) return plan;
    return { ...plan, actions: [], migrationHold: constraints.migrationHold };
  };
}

interface StrategyEntry {
  /** One line for `--help` and the docs. */
  describe: string;
  create(ctx: StrategyContext): Strategy;
}

export const STRATEGIES = {
  nontuning: {
    describe: 'nothing is tuned or moved (the reference)',
    create: () => ({ name: 'nontuning' }),
  },
  local: { describe: "vmpilot's local rounds only (every T2)", create: () => vmpilotStrategy('local') },
  global: { describe: "vmpilot's global rounds only (every T1)", create: () => vmpilotStrategy('global') },
  gl: { describe: "vmpilot's local and global rounds", create: () => vmpilotStrategy('gl') },
  sandpiper: {
    describe: 'Sandpiper-style black-box hotspot migration (Wood et al., NSDI 2007), every T1',
    create: () => ({ name: 'sandpiper', global: baselineGlobal(sandpiperRound, defaultSandpiperConfig()) }),
  },
  drs: {
    describe: 'DRS-style imbalance-driven migration with a cost/benefit filter, every T1',
    create: () => ({ name: 'drs', global: baselineGlobal(drsRound, defaultDrsConfig()) }),
  },
  proxlb: {
    describe:
      'ProxLB-style balancing: memory used per node, balanciness 10 points, biggest guest first, every T1',
    create: () => ({ name: 'proxlb', global: baselineGlobal(proxlbRound, defaultProxLbConfig()) }),
  },
  clairvoyant: {
    describe:
      "reference bound, simulation only: vmpilot's planner fed the scenario's future demand over the next T1 (not deployable)",
    create: (ctx: StrategyContext) => {
      if (!ctx.oracle) throw new Error('mode clairvoyant reads the future: it runs only in a simulation');
      return clairvoyantStrategy(ctx.oracle);
    },
  },
} as const satisfies Record<string, StrategyEntry>;

export type StrategyName = keyof typeof STRATEGIES;
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

/** Modes an operator can deploy: every mode but the clairvoyant reference. */
export const DEPLOYABLE_MODES = STRATEGY_NAMES.filter((n) => n !== 'clairvoyant');

export function isStrategyName(s: string): s is StrategyName {
  return Object.hasOwn(STRATEGIES, s);
}

export function createStrategy(name: StrategyName, ctx: StrategyContext = {}): Strategy {
  return STRATEGIES[name].create(ctx);
}
