// The planner's entry points: one local round (NodeAgent on every host, every T2) and one
// global round (ClusterAgent, every T1). Pure: snapshot + config + history + now → Plan,
// with the held hosts and a machine-readable reason on every action. The simulator and
// the service call exactly these.
import type { Action, DeclinedMove, Plan } from '../../core/model/plan';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import { planPinning } from './contention';
import { planGlobal } from './global';
import { holdReason, indexHistory, type MigrationRecord } from './guards';
import { planLocalHost } from './local';
import { buildRoundView } from './points';
import { planVcpuPinning } from './vcpu-pinning';
import { planVcpus } from './vcpus';

export interface PlannerHistory {
  migrations: MigrationRecord[];
}

export interface PlannerInput {
  snapshot: ClusterSnapshot;
  config: PlannerConfig;
  history: PlannerHistory;
  /** ms since the epoch. */
  now: number;
}

/** Hosts the round may act on, and the held ones with the reason. */
function partitionHosts(input: PlannerInput): { usable: Set<string>; held: Plan['held'] } {
  const usable = new Set<string>();
  const held: Plan['held'] = [];
  for (const h of input.snapshot.hosts) {
    const why = holdReason(h, input.snapshot, input.config, input.now);
    if (why) held.push({ host: h.name, ...why });
    else usable.add(h.name);
  }
  return { usable, held };
}

/** Local tuning on every usable host: shares, caps, balloons, I/O limits, vCPUs, pinning. */
export function planLocalRound(input: PlannerInput): Plan {
  const { snapshot, config } = input;
  const { usable, held } = partitionHosts(input);
  const actions: Action[] = [];
  if (usable.size > 0) {
    const view = buildRoundView(snapshot, config);
    for (const h of snapshot.hosts) {
      const hv = view.hosts.get(h.name);
      if (!usable.has(h.name) || !hv) continue;
      const vms = view.vmsByHost.get(h.name) ?? [];
      const pins = planPinning(h, vms, config);
      const vcpus = planVcpus(h, hv, vms, config);
      actions.push(...planLocalHost(h, hv, vms, config), ...vcpus.actions, ...pins);
      // After a vCPU change, pin or share by seed 002's rule, unless contention pinning acts here.
      if (pins.length === 0) actions.push(...planVcpuPinning(h, vms, vcpus.changes));
    }
  }
  return { at: input.now, held, actions };
}

/** Global tuning: evacuations, then hotspot relief, within the migration budget. */
export function planGlobalRound(input: PlannerInput): Plan {
  const { snapshot, config } = input;
  const { usable, held } = partitionHosts(input);
  if (usable.size < 2) return { at: input.now, held, actions: [] };
  const view = buildRoundView(snapshot, config);
  const declined: DeclinedMove[] = [];
  const actions = planGlobal(
    {
      view,
      cfg: config,
      usable,
      historyByVm: indexHistory(input.history.migrations),
      now: input.now,
    },
    declined,
  );
  return { at: input.now, held, actions, ...(declined.length ? { declined } : {}) };
}
