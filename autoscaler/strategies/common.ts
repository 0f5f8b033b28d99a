// Shared pieces of the baseline balancers: they see the same ClusterSnapshot as vmpilot's
// planner and return the same Plan shape, under the same migration budget.
import { vmFootprintBytes } from '../../core/model/footprint';
import type { HeldHost } from '../../core/model/hold';
import { operatorConstraints, type OperatorConstraints } from '../decision/constraints';
import { holdReason, inFlightMigration } from '../decision/guards';
import type {
  Resource,
  ResourceVector,
  ClusterSnapshot,
  HostSnapshot,
  VmSnapshot,
} from '../../core/model/snapshot';

export interface BaselineHistory {
  migrations: { vm: string; from: string; to: string; at: number }[];
}

export interface BaselineInput<C> {
  snapshot: ClusterSnapshot;
  config: C;
  history: BaselineHistory;
  now: number;
  /** `planner.staleIntervals`: the baselines hold stale hosts by the planner's own rule. */
  staleIntervals: number;
  /**
   * The operator's constraints (decision/constraints.ts, from the planner config; the
   * registry passes them). Absent: those the snapshot carries (metadata, ignored hosts).
   */
  constraints?: OperatorConstraints;
}

const NO_CONFIGURED_CONSTRAINTS = {
  exclude: [],
  pins: [],
  ignoredHosts: [],
  migrationWindows: { cron: [], timezone: 'UTC' },
};

/** The round's operator constraints: excluded VMs, pin sets, ignored hosts, migration windows. */
export function constraintsOf(input: BaselineInput<unknown>): OperatorConstraints {
  return input.constraints ?? operatorConstraints(input.snapshot, NO_CONFIGURED_CONSTRAINTS, input.now);
}

export const LOAD_RESOURCES: readonly Resource[] = ['cpu', 'mem', 'net'];

/** Latest sample of a history (zeros when empty). */
export function latest(history: readonly ResourceVector[]): ResourceVector {
  return history[history.length - 1] ?? { cpu: 0, mem: 0, disk: 0, net: 0 };
}

/** Utilisation (0..1+) of one resource of a host in one sample. */
export function utilisation(h: HostSnapshot, sample: ResourceVector, r: Resource): number {
  return h.capacity[r] > 0 ? sample[r] / h.capacity[r] : 0;
}

/** VMs of the host that may move: running, not excluded by the operator. */
export function movable(input: BaselineInput<unknown>, host: string): VmSnapshot[] {
  const c = constraintsOf(input);
  return input.snapshot.vms.filter((v) => v.host === host && v.state === 'running' && !c.excluded(v));
}

/** The VM may be placed on `host` (inside its pin set, if it has one). */
export function mayRunOn(input: BaselineInput<unknown>, v: VmSnapshot, host: string): boolean {
  return constraintsOf(input).outsidePins(v, host) === undefined;
}

/** The VM's memory size (balloon, else configured): what pre-copy copies, Sandpiper's "size". */
export function memoryOf(v: VmSnapshot): number {
  return v.allocation.balloonBytes ?? v.memoryBytes;
}

/** Memory the VM will occupy on a destination: the one footprint rule (core/model/footprint.ts). */
export const footprintOf = vmFootprintBytes;

/**
 * Memory free on a host for an incoming VM, as the planner and the applier count it: the
 * hypervisor's figure when the snapshot has it, else capacity minus the footprints there.
 */
export function freeMemory(snapshot: ClusterSnapshot, h: HostSnapshot): number {
  if (h.memoryFreeBytes !== undefined) return h.memoryFreeBytes;
  let used = 0;
  for (const v of snapshot.vms) if (v.host === h.name && v.state !== 'shutoff') used += footprintOf(v);
  return h.capacity.mem - used;
}

/** The planner's hold rules (ignored by the operator, down or stale data), for a baseline's round. */
function holdOf(h: HostSnapshot, input: BaselineInput<unknown>): Omit<HeldHost, 'host'> | undefined {
  const ignored = constraintsOf(input).ignored(h.name);
  if (ignored) return { code: 'ignored', reason: ignored };
  return holdReason(h, input.snapshot, { staleIntervals: input.staleIntervals }, input.now);
}

/** Hosts the baseline may act on (fresh data), and may use as destinations (also not in maintenance). */
export function usableHosts(input: BaselineInput<unknown>): HostSnapshot[] {
  return input.snapshot.hosts.filter((h) => holdOf(h, input) === undefined);
}

/** Held hosts with the reason, in the Plan's shape. */
export function heldHosts(input: BaselineInput<unknown>): HeldHost[] {
  return input.snapshot.hosts.flatMap((h) => {
    const why = holdOf(h, input);
    return why ? [{ host: h.name, ...why }] : [];
  });
}

/**
 * VMs still migrating, with their destination: the snapshot shows a VM in flight as paused
 * on its source, and the history's latest move takes it off that host. A baseline reserves
 * such a VM's demand on the destination, as the planner does (decision/global.ts buildModel).
 */
export function inFlightReservations(input: BaselineInput<unknown>): { vm: string; to: string }[] {
  const out: { vm: string; to: string }[] = [];
  for (const v of input.snapshot.vms) {
    if (v.state !== 'paused') continue;
    const m = inFlightMigration(v.name, v.host, input.history.migrations, input.now, Infinity);
    if (m) out.push({ vm: v.name, to: m.to });
  }
  return out;
}
