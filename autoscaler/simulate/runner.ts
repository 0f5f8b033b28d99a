// Runs a scenario under one tuning mode and measures it (SPEC §10, §11).
//   nontuning  — VMs stay where they are with their initial allocations;
//   local      — vmpilot's local round (NodeAgent) every T2;
//   global     — vmpilot's global round (ClusterAgent) every T1;
//   gl         — both;
//   sandpiper, drs — the baselines (baselines/), every T1, same migration budget.
// Every planned action is applied to the model and becomes a TuningEvent. Deterministic:
// the same scenario, mode and seed give the same result.
import type { TuningEvent } from '../../core/model/event';
import type { Action, Plan } from '../../core/model/plan';
import type { BaselineHistory } from '../strategies/common';
import { defaultDrsConfig, drsRound } from '../strategies/drs';
import { defaultSandpiperConfig, sandpiperRound } from '../strategies/sandpiper';
import { SimDriver } from '../../core/sim/driver';
import { SimError, type SimCluster } from '../../core/sim/model';
import { ResultCollector, type SimResult } from '../../core/sim/results';
import type { Scenario } from '../../core/sim/scenario';

export const SIM_MODES = ['nontuning', 'local', 'global', 'gl', 'sandpiper', 'drs'] as const;
export type SimMode = (typeof SIM_MODES)[number];

/** Simulation start: a fixed instant, so event times are reproducible. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** vmpilot's planner as the runner calls it (autoscaler/decision/planner.ts). */
export interface PlannerBinding {
  config: unknown;
  /** The planner's own round periods (default 120 s and 20 s). */
  t1Seconds?: number;
  t2Seconds?: number;
  local(input: {
    snapshot: ReturnType<SimDriver['snapshot']>;
    config: unknown;
    history: BaselineHistory;
    now: number;
  }): Plan;
  global(input: {
    snapshot: ReturnType<SimDriver['snapshot']>;
    config: unknown;
    history: BaselineHistory;
    now: number;
  }): Plan;
}

export interface RunOptions {
  seed?: number;
  /** Receives every tuning event (after the run, in time order). */
  events?: (e: TuningEvent) => void;
  /** vmpilot's planner; required for local, global and gl. */
  planner?: PlannerBinding;
  localEverySeconds?: number;
  globalEverySeconds?: number;
  /** A VM moved back where it came from within this window counts as a ping-pong. */
  pingPongWindowSeconds?: number;
}

interface Clock {
  now: () => number;
}

export function runSimulation(scenario: Scenario, mode: SimMode, opts: RunOptions = {}): SimResult {
  const seed = opts.seed ?? scenario.seed;
  const t2 = opts.localEverySeconds ?? opts.planner?.t2Seconds ?? 20;
  const t1 = opts.globalEverySeconds ?? opts.planner?.t1Seconds ?? 120;
  if (t1 % t2 !== 0) throw new RangeError(`T1 (${t1} s) must be an integral multiple of T2 (${t2} s)`);
  const usesPlanner = mode === 'local' || mode === 'global' || mode === 'gl';
  if (usesPlanner && !opts.planner) throw new RangeError(`mode "${mode}" needs vmpilot's planner`);
  const driver = new SimDriver(scenario, { startMs: SIM_EPOCH_MS, seed });
  const model = driver.model;
  const collector = new ResultCollector(model);
  const journal = new EventJournal(model, { now: () => model.nowMs });
  const history: BaselineHistory = { migrations: [] };
  const steps = Math.round(scenario.durationSeconds / scenario.stepSeconds);
  let localActions = 0;
  for (let i = 1; i <= steps; i++) {
    driver.advanceTo(SIM_EPOCH_MS + i * scenario.stepSeconds * 1000);
    collector.afterStep(scenario.stepSeconds);
    journal.settleMigrations();
    const elapsed = Math.round(i * scenario.stepSeconds * 1000) / 1000;
    const localDue = elapsed % t2 === 0;
    const globalDue = elapsed % t1 === 0;
    if (!localDue && !globalDue) continue;
    const plans: { kind: 'local' | 'global'; plan: Plan }[] = [];
    const input = () => ({ snapshot: driver.snapshot(), history, now: model.nowMs });
    if (globalDue) {
      if ((mode === 'global' || mode === 'gl') && opts.planner)
        plans.push({
          kind: 'global',
          plan: opts.planner.global({ ...input(), config: opts.planner.config }),
        });
      if (mode === 'sandpiper')
        plans.push({
          kind: 'global',
          plan: sandpiperRound({ ...input(), config: defaultSandpiperConfig() }),
        });
      if (mode === 'drs')
        plans.push({ kind: 'global', plan: drsRound({ ...input(), config: defaultDrsConfig() }) });
    }
    if (localDue && (mode === 'local' || mode === 'gl') && opts.planner)
      plans.push({ kind: 'local', plan: opts.planner.local({ ...input(), config: opts.planner.config }) });
    for (const { kind, plan } of plans) {
      for (const a of orderActions(plan.actions)) {
        const ok = journal.apply(kind, a);
        if (a.kind === 'migrate' && ok)
          history.migrations.push({ vm: a.vm, from: a.from, to: a.to ?? '', at: model.nowMs });
        if (a.kind !== 'migrate') localActions++;
      }
    }
  }
  journal.settleMigrations();
  const result = collector.finish(scenario.name, mode, {
    seed,
    localActions,
    pingPongWindowSeconds: opts.pingPongWindowSeconds ?? 5 * t1,
  });
  if (opts.events) for (const e of journal.events) opts.events(e);
  return result;
}

/** Shrinking balloons before growing others, so the host's memory allows the growth. */
function orderActions(actions: readonly Action[]): Action[] {
  const delta = (a: Action) =>
    a.kind === 'set_memory' && typeof a.params.bytes === 'number' && typeof a.before?.bytes === 'number'
      ? a.params.bytes - a.before.bytes
      : 0;
  return [...actions].sort((a, b) => delta(a) - delta(b));
}

/** Applies actions to the model and keeps the TuningEvents (SPEC §8 shape). */
class EventJournal {
  readonly events: TuningEvent[] = [];
  private pending = new Map<string, TuningEvent>();
  private seen = 0;

  constructor(
    private readonly model: SimCluster,
    private readonly clock: Clock,
  ) {}

  private iso(ms = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  /** Applies one action; returns whether the model accepted it. */
  apply(kind: 'local' | 'global', a: Action): boolean {
    const time = this.iso();
    const ev: TuningEvent = {
      id: `sim-${this.events.length + 1}`,
      time,
      kind,
      vm: a.vm,
      host: a.from,
      action: a.kind,
      before: a.before ?? null,
      after: { ...a.params, ...(a.to ? { to: a.to } : {}) },
      result: 'completed',
      reason: a.reason,
      phases: [],
      ...(a.to ? { to: a.to } : {}),
    };
    this.events.push(ev);
    try {
      const vm = this.model.vm(a.vm, a.from);
      const p = a.params;
      const num = (k: string): number => {
        const x = p[k];
        if (typeof x !== 'number') throw new SimError('invalid', `${a.kind} needs a numeric "${k}"`);
        return x;
      };
      switch (a.kind) {
        case 'set_cpu_shares':
          this.model.setShares(vm, Math.round(num('shares')));
          break;
        case 'set_cpu_cap':
          this.model.setCap(vm, {
            periodUs: Math.round(num('periodUs')),
            quotaUs: Math.round(num('quotaUs')),
          });
          break;
        case 'set_memory':
          this.model.setMemory(vm, Math.round(num('bytes')));
          break;
        case 'set_vcpus':
          this.model.setVcpus(vm, Math.round(num('count')));
          break;
        case 'pin_vcpus': {
          const cpus = p.cpus;
          if (!Array.isArray(cpus)) throw new SimError('invalid', 'pin_vcpus needs "cpus"');
          this.model.pin(vm, Math.round(num('vcpu')), cpus);
          break;
        }
        case 'set_block_iotune':
          this.model.setBlockTune(vm, String(p.device ?? vm.disks[0]), {
            totalBytesSec: num('totalBytesSec'),
          });
          break;
        case 'set_net_bandwidth':
          this.model.setNetTune(vm, String(p.device ?? vm.nics[0]), {
            inboundBytesSec: typeof p.inboundBytesSec === 'number' ? p.inboundBytesSec : undefined,
            outboundBytesSec: typeof p.outboundBytesSec === 'number' ? p.outboundBytesSec : undefined,
          });
          break;
        case 'migrate': {
          if (!a.to) throw new SimError('invalid', 'migrate needs a destination');
          this.model.startMigration(vm, a.to);
          ev.result = 'started';
          ev.phases.push({ phase: 'planned', time }, { phase: 'started', time });
          this.pending.set(a.vm, ev);
          break;
        }
      }
      return true;
    } catch (e) {
      ev.result = 'failed';
      const error = e instanceof Error ? e.message : String(e);
      ev.after = { ...(ev.after ?? {}), error };
      if (a.kind === 'migrate') ev.phases.push({ phase: 'planned', time }, { phase: 'failed', time, error });
      return false;
    }
  }

  /** Closes the events of migrations the model finished since the last call. */
  settleMigrations(): void {
    const list = this.model.migrations;
    for (; this.seen < list.length; this.seen++) {
      const m = list[this.seen];
      const ev = this.pending.get(m.vm);
      if (!ev) continue;
      this.pending.delete(m.vm);
      ev.result = m.result === 'completed' ? 'completed' : 'failed';
      ev.phases.push({
        phase: m.result === 'completed' ? 'completed' : 'failed',
        time: this.iso(m.finishedAtMs),
        durationSeconds: m.durationSeconds,
        downtimeMs: m.downtimeSeconds * 1000,
        transferredBytes: m.transferredBytes,
      });
    }
  }
}
