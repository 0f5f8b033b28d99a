// Runs a scenario under one strategy and measures it (SPEC §10, §11). A simulation is the
// production path on a virtual clock: the simulated cluster behind the HypervisorPort
// (core/sim/adapter.ts, virtual time), the in-memory metrics source, an in-memory event log,
// and the production AutoscalerService with its Applier — pre-conditions, migration slots,
// post-conditions and history exactly as operators run them. Only the clock differs: the
// runner advances the model step by step and runs a round when one is due.
// Deterministic: the same scenario, mode and seed give the same result.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TuningEvent } from '../../core/model/event';
import type { DeclinedMove } from '../../core/model/plan';
import { SimPort } from '../../core/sim/adapter';
import { SimDriver } from '../../core/sim/driver';
import { ResultCollector, type SimResult } from '../../core/sim/results';
import type { Scenario } from '../../core/sim/scenario';
import { validateConfig, type LoadedConfig } from '../config/load';
import { MemoryEventLog } from '../journal/event-log';
import { ProfileStore } from '../service/profile-store';
import { AutoscalerService } from '../service/service';
import { ServiceMetrics } from '../service/metrics';
import { simulatorSource } from '../sources/sim-source';
import { createStrategy, type StrategyName } from '../strategies/registry';

/** Simulation start: a fixed instant, so event times are reproducible. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

export interface RunOptions {
  seed?: number;
  /**
   * The service config (planner section, applier limits). Default: vmpilot's defaults with
   * the scenario as its only hypervisor — what `vmpilot autoscaler` runs out of the box.
   */
  config?: LoadedConfig;
  /** A VM moved back where it came from within this window counts as a ping-pong (default 5 × T1). */
  pingPongWindowSeconds?: number;
}

export interface SimulationRun {
  result: SimResult;
  /** Every tuning event the applier journalled, in its state at the end of the run. */
  events: TuningEvent[];
  /** Migrations the planner considered and declined (cost over relief, …), with the round's time. */
  declined: (DeclinedMove & { at: number })[];
}

/** Lets the service's pending promise chains (applier steps, migration endings) run. */
const settle = () => new Promise<void>((res) => setImmediate(res));

/** The config a simulation runs with when none is given. */
export function defaultSimConfig(scenario: Scenario): LoadedConfig {
  return validateConfig(
    {
      hypervisors: [`sim://${scenario.name}`],
      // The scenario's shared-storage groups are the cluster's declaration (issue 13).
      ...(scenario.sharedStorage.length ? { failover: { sharedStorage: scenario.sharedStorage } } : {}),
    },
    `simulation of ${scenario.name}`,
  );
}

export async function runSimulation(
  scenario: Scenario,
  mode: StrategyName,
  opts: RunOptions = {},
): Promise<SimulationRun> {
  const seed = opts.seed ?? scenario.seed;
  let config = opts.config ?? defaultSimConfig(scenario);
  // Shortage handling saves VMs to files: in a simulation, a temp dir removed at the end.
  const saveDir = config.planner.shortage.enabled
    ? mkdtempSync(path.join(tmpdir(), 'vmpilot-sim-saved-'))
    : undefined;
  if (saveDir)
    config = {
      ...config,
      planner: { ...config.planner, shortage: { ...config.planner.shortage, saveDirectory: saveDir } },
    };
  const { t1Seconds: t1, t2Seconds: t2 } = config.planner;
  const driver = new SimDriver(scenario, {
    startMs: SIM_EPOCH_MS,
    seed,
    horizonSeconds: config.planner.migration.horizonSeconds,
  });
  const model = driver.model;
  // Only the clairvoyant reference reads it: the scenario's true demand at a future instant.
  const strategy = createStrategy(mode, {
    oracle: (vm, atMs) => model.demandAt(model.vm(vm), model.traceSeconds(atMs)),
  });
  const clock = () => model.nowMs;
  const port = new SimPort(
    `sim://${scenario.name}`,
    driver,
    clock,
    config.applier.callTimeoutSeconds * 1000,
    'virtual',
  );
  const log = new MemoryEventLog();
  let eventCount = 0;
  const service = new AutoscalerService({
    config,
    port,
    source: simulatorSource(driver, { staleIntervals: config.planner.staleIntervals }),
    journal: log,
    metrics: new ServiceMetrics({ processMetrics: false }),
    log: pino({ level: 'silent' }),
    clock,
    strategy,
    newEventId: () => `sim-${++eventCount}`,
    profiles: new ProfileStore(),
  });
  const collector = new ResultCollector(model);
  const declined: SimulationRun['declined'] = [];
  const steps = Math.round(scenario.durationSeconds / scenario.stepSeconds);
  let events: TuningEvent[];
  try {
    for (let i = 1; i <= steps; i++) {
      driver.advanceTo(SIM_EPOCH_MS + i * scenario.stepSeconds * 1000);
      collector.afterStep(scenario.stepSeconds);
      if (service.applier.inFlight > 0) {
        port.advanced();
        await settle();
      }
      const elapsed = Math.round(i * scenario.stepSeconds * 1000) / 1000;
      const globalDue = strategy.global !== undefined && elapsed % t1 === 0;
      const localDue = strategy.local !== undefined && elapsed % t2 === 0;
      if (globalDue) {
        const report = await service.runRound('global');
        for (const d of report.plan.declined ?? []) declined.push({ at: report.at, ...d });
      }
      if (localDue) await service.runRound('local');
      if (globalDue || localDue) await settle();
    }
    // The log as it stands at the end of the simulated time: a migration still in flight
    // stays "started" (closing the port below ends it, which is not part of the run).
    events = structuredClone(log.events());
  } finally {
    await port.close();
    if (saveDir) rmSync(saveDir, { recursive: true, force: true });
  }
  const result = collector.finish(scenario.name, mode, {
    seed,
    localActions: events.filter((e) => e.kind === 'local' && e.result === 'completed').length,
    migrationsDeclined: declined.length,
    pingPongWindowSeconds: opts.pingPongWindowSeconds ?? 5 * t1,
  });
  return { result, events, declined };
}
