// The strategies `vmpilot simulate --mode` can run, by name. Each one plans through the
// same service loop and applier; adding a balancer is one entry here. Every baseline plans
// within the same migration budget as vmpilot's planner (`planner.maxMigrationsPerRound`);
// the applier's concurrency limit (`applier.maxConcurrentMigrations`) then applies to all.
import { clairvoyantStrategy, type DemandOracle } from './clairvoyant';
import { defaultDrsConfig, drsRound } from './drs';
import { defaultProxLbConfig, proxlbRound } from './proxlb';
import { defaultSandpiperConfig, sandpiperRound } from './sandpiper';
import type { Strategy } from './strategy';
import { vmpilotStrategy } from './vmpilot';

/** What a strategy may be given besides its input: only simulations have an oracle. */
export interface StrategyContext {
  oracle?: DemandOracle;
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
    create: () => {
      const config = defaultSandpiperConfig();
      return {
        name: 'sandpiper',
        global: (input) =>
          sandpiperRound({
            ...input,
            config: { ...config, maxMigrationsPerRound: input.config.maxMigrationsPerRound },
            staleIntervals: input.config.staleIntervals,
          }),
      };
    },
  },
  drs: {
    describe: 'DRS-style imbalance-driven migration with a cost/benefit filter, every T1',
    create: () => {
      const config = defaultDrsConfig();
      return {
        name: 'drs',
        global: (input) =>
          drsRound({
            ...input,
            config: { ...config, maxMigrationsPerRound: input.config.maxMigrationsPerRound },
            staleIntervals: input.config.staleIntervals,
          }),
      };
    },
  },
  proxlb: {
    describe:
      'ProxLB-style balancing: memory used per node, balanciness 10 points, biggest guest first, every T1',
    create: () => {
      const config = defaultProxLbConfig();
      return {
        name: 'proxlb',
        global: (input) =>
          proxlbRound({
            ...input,
            config: { ...config, maxMigrationsPerRound: input.config.maxMigrationsPerRound },
            staleIntervals: input.config.staleIntervals,
          }),
      };
    },
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
