// The planner's entry points: one local round (NodeAgent on every host, every T2) and one
// global round (ClusterAgent, every T1). Pure: snapshot + config + history + now → Plan,
// with the held hosts and a machine-readable reason on every action. The simulator and
// the service call exactly these.
import type { Action, DeclinedMove, Plan } from '../../core/model/plan';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import { operatorConstraints, type OperatorConstraints } from './constraints';
import { planPinning } from './contention';
import { planGlobal, type GlobalInput } from './global';
import { holdReason, indexHistory, type MigrationRecord } from './guards';
import { planLocalHost } from './local';
import { buildRoundView, type RoundView } from './points';
import { activeProbes, planProbes, type ProbedBand, type ProbeRecord } from './probe';
import { loadBandOf } from './profile-learning';
import { planShortage, takenFromHistory, type ShortageRecord } from './shortage';
import { planVcpuPinning } from './vcpu-pinning';
import { planVcpus } from './vcpus';

export interface PlannerHistory {
  migrations: MigrationRecord[];
  /** Completed shortage-handling steps from the journal (rule shortage.*), oldest first. */
  shortage?: ShortageRecord[];
  /** Completed probe steps from the journal (rule profile.probe*), oldest first. */
  probes?: ProbeRecord[];
  /** Load bands whose probe ended, as the profile store keeps them (outlives the journal). */
  probed?: ProbedBand[];
}

export interface PlannerInput {
  snapshot: ClusterSnapshot;
  config: PlannerConfig;
  history: PlannerHistory;
  /** ms since the epoch. */
  now: number;
}

/**
 * Hosts the round may act on, and the held ones with the reason (an ignored host first: the
 * operator's reason outlasts a stale sample); excluded VMs in `heldVms`.
 */
function partitionHosts(
  input: PlannerInput,
  constraints: OperatorConstraints,
): { usable: Set<string>; held: Plan['held']; heldVms?: Plan['heldVms'] } {
  const usable = new Set<string>();
  const held: Plan['held'] = constraints.heldHosts();
  const ignored = new Set(held.map((h) => h.host));
  for (const h of input.snapshot.hosts) {
    if (ignored.has(h.name)) continue;
    const why = holdReason(h, input.snapshot, input.config, input.now);
    if (why) held.push({ host: h.name, ...why });
    else usable.add(h.name);
  }
  const heldVms = constraints.heldVms();
  return { usable, held, ...(heldVms.length ? { heldVms } : {}) };
}

/** Local tuning on every usable host: shares, caps, balloons, I/O limits, vCPUs, pinning. */
export function planLocalRound(input: PlannerInput): Plan {
  const { snapshot, config } = input;
  const constraints = operatorConstraints(snapshot, config, input.now);
  const { usable, held, heldVms } = partitionHosts(input, constraints);
  let actions: Action[] = [];
  if (usable.size > 0) {
    const view = buildRoundView(snapshot, config);
    const taken = takenFromHistory(input.history.shortage ?? []);
    const probing = activeProbes(input.history.probes ?? []);
    const learned = learnedBandsOf(config);
    const relievable = config.shortage.enabled
      ? relievableHosts(input, view, usable, constraints)
      : new Set<string>();
    for (const h of snapshot.hosts) {
      const hv = view.hosts.get(h.name);
      if (!usable.has(h.name) || !hv) continue;
      const vms = view.vmsByHost.get(h.name) ?? [];
      const shortage = planShortage({
        host: h,
        hv,
        vms,
        cfg: config,
        taken,
        migratable: relievable.has(h.name),
        now: input.now,
      });
      const shortageVms = new Set([
        ...shortage.actions.map((a) => a.vm),
        ...shortage.cappedAtFloor,
        ...shortage.balloonAtFloor,
        ...vms.filter((v) => taken.has(v.vm.name)).map((v) => v.vm.name),
      ]);
      const probe = planProbes({
        host: h,
        hv,
        vms,
        cfg: config,
        active: probing,
        probed: input.history.probed ?? [],
        learnedBands: learned,
        shortageVms,
        migrations: input.history.migrations,
        now: input.now,
      });
      // A probe ending this round restores its cap first; shortage handling re-plans next round.
      const probeCaps = new Set(probe.actions.map((a) => a.vm));
      shortage.actions = shortage.actions.filter((a) => !(a.kind === 'set_cpu_cap' && probeCaps.has(a.vm)));
      // Local tuning leaves alone what shortage handling holds at a floor or stops this round,
      // and the cap a probe holds or restores.
      const stopping = new Set(
        shortage.actions.filter((a) => a.kind === 'suspend' || a.kind === 'save').map((a) => a.vm),
      );
      const local = planLocalHost(h, hv, vms, config).filter(
        (a) =>
          !stopping.has(a.vm) &&
          !(
            a.kind === 'set_cpu_cap' &&
            (shortage.cappedAtFloor.has(a.vm) || probe.holding.has(a.vm) || probeCaps.has(a.vm))
          ) &&
          !(a.kind === 'set_memory' && shortage.balloonAtFloor.has(a.vm)) &&
          !shortage.actions.some((s) => s.vm === a.vm && s.kind === a.kind),
      );
      const pins = planPinning(h, vms, config).filter((a) => !stopping.has(a.vm));
      const vcpus = planVcpus(h, hv, vms, config);
      actions.push(
        ...shortage.actions,
        ...probe.actions,
        ...local,
        ...vcpus.actions.filter((a) => !stopping.has(a.vm)),
        ...pins,
      );
      // After a vCPU change, pin or share by seed 002's rule, unless contention pinning acts here.
      if (pins.length === 0) actions.push(...planVcpuPinning(h, vms, vcpus.changes));
    }
    // Excluded VMs are never re-tuned (their demand still counts on their host).
    const excluded = new Set(heldVms?.map((v) => v.vm));
    if (excluded.size) actions = actions.filter((a) => !excluded.has(a.vm));
  }
  return { at: input.now, held, ...(heldVms ? { heldVms } : {}), actions };
}

/** Load bands of each VM's learned profile rows (profiles the service marked `learned`). */
function learnedBandsOf(cfg: PlannerInput['config']): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const p of cfg.serviceLevel.profiles)
    if ('learned' in p) out.set(p.vm, new Set(p.rows.map((r) => loadBandOf(r.load))));
  return out;
}

/**
 * Hosts a migration would relieve this round, as the global planner judges it (cost-aware,
 * guards and placement rules included) with no per-round budget: shortage handling leaves
 * these to the next global round instead of stopping VMs.
 */
function relievableHosts(
  input: PlannerInput,
  view: RoundView,
  usable: Set<string>,
  constraints: OperatorConstraints,
): Set<string> {
  // Outside the migration windows no migration relieves anything this round.
  if (usable.size < 2 || constraints.migrationHold) return new Set();
  const moves = planGlobal({
    view,
    cfg: { ...input.config, maxMigrationsPerRound: input.snapshot.vms.length },
    usable,
    historyByVm: indexHistory(input.history.migrations),
    now: input.now,
    constraints,
  });
  return new Set(moves.map((a) => a.from));
}

/**
 * Global tuning: evacuations, pinned VMs back into their sets, then hotspot relief, within
 * the migration budget; nothing outside the migration windows (the plan says why).
 */
export function planGlobalRound(input: PlannerInput): Plan {
  const { snapshot, config } = input;
  const constraints = operatorConstraints(snapshot, config, input.now);
  const { usable, held, heldVms } = partitionHosts(input, constraints);
  const base = { at: input.now, held, ...(heldVms ? { heldVms } : {}) };
  if (constraints.migrationHold) return { ...base, actions: [], migrationHold: constraints.migrationHold };
  if (usable.size < 2) return { ...base, actions: [] };
  const view = buildRoundView(snapshot, config);
  const declined: DeclinedMove[] = [];
  const actions = planGlobal(
    {
      view,
      cfg: config,
      usable,
      historyByVm: indexHistory(input.history.migrations),
      now: input.now,
      constraints,
    },
    declined,
  );
  return { ...base, actions, ...(declined.length ? { declined } : {}) };
}

/**
 * A round as the global planner sees it, for placing a new VM (decision/place.ts): the held
 * hosts and the input its destination rule reads; `standIn` (the new VM's stand-in host)
 * is never usable.
 */
export function placementRound(
  input: PlannerInput,
  standIn: string,
): { held: Plan['held']; global: GlobalInput } {
  const constraints = operatorConstraints(input.snapshot, input.config, input.now);
  const { usable, held } = partitionHosts(input, constraints);
  usable.delete(standIn);
  return {
    held: held.filter((h) => h.host !== standIn),
    global: {
      view: buildRoundView(input.snapshot, input.config),
      cfg: input.config,
      usable,
      historyByVm: indexHistory(input.history.migrations),
      now: input.now,
      constraints,
    },
  };
}
