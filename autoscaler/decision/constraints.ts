// The operator's constraints (issue 14), defined once for the planner, every baseline
// strategy and the service's last check before the applier: which VMs are never migrated
// or re-tuned (excluded), which hosts a VM may run on (its pin set), which hosts are left
// alone (neither a migration source nor a destination, no tuning — unlike maintenance,
// nothing is drained) and whether a migration may start now (migration windows).
//
// Each comes from config (planner.exclude / pins / ignoredHosts / migrationWindows) and,
// for VMs and hosts, from the snapshot (the domain's <metadata> element through the
// hypervisor port, core/model/vm-metadata.ts; `capacity.hosts.<name>.ignored`; a
// scenario's VM or host in simulations). Exclusion and ignoring are either-or; a pin set
// from config (first matching entry) overrides the domain's.
import type { Action } from '../../core/model/plan';
import type { HeldHost, HeldVm } from '../../core/model/hold';
import { migrationHold, type MigrationHold } from '../../core/model/migration-window';
import type { ClusterSnapshot, VmSnapshot } from '../../core/model/snapshot';
import { matchesVm, type PlannerConfig } from './config';

export type ConstraintConfig = Pick<PlannerConfig, 'exclude' | 'pins' | 'ignoredHosts' | 'migrationWindows'>;

type VmRef = Pick<VmSnapshot, 'name' | 'exclude' | 'pinnedHosts'>;

export interface OperatorConstraints {
  /** Why the VM is never migrated or re-tuned, or undefined. */
  excluded(vm: VmRef): string | undefined;
  /** The hosts the VM may run on; undefined = any. */
  pinSet(vm: VmRef): readonly string[] | undefined;
  /** Why the VM may not run on `host` (outside its pin set), or undefined. */
  outsidePins(vm: VmRef, host: string): string | undefined;
  /** Why the host is left alone (no action on it or towards it), or undefined. */
  ignored(host: string): string | undefined;
  /** Why no migration may start at the round's instant; undefined = one may. */
  readonly migrationHold: MigrationHold | undefined;
  /** The ignored hosts of the snapshot, in a plan's `held` shape. */
  heldHosts(): HeldHost[];
  /** The excluded VMs of the snapshot, in a plan's `heldVms` shape. */
  heldVms(): HeldVm[];
  /**
   * Why an action breaks a constraint, or undefined: the service's and applier's last check
   * (the planner and the baselines never emit one that does).
   */
  violation(action: Pick<Action, 'kind' | 'vm' | 'from' | 'to'>): string | undefined;
}

/** The constraints of one round: snapshot + config + now (pure). */
export function operatorConstraints(
  snapshot: ClusterSnapshot,
  cfg: ConstraintConfig,
  now: number,
): OperatorConstraints {
  const ignoredInConfig = new Set(cfg.ignoredHosts);
  const flagged = new Set(snapshot.hosts.filter((h) => h.ignored).map((h) => h.name));
  const vmsByName = new Map(snapshot.vms.map((v) => [v.name, v]));
  const hold = migrationHold(cfg.migrationWindows, now);

  const excluded = (vm: VmRef): string | undefined => {
    const p = cfg.exclude.find((e) => matchesVm(e, vm.name));
    if (p !== undefined) return `excluded by operator (planner.exclude "${p}"): never migrated or re-tuned`;
    if (vm.exclude) return "excluded by operator (the domain's vmpilot metadata): never migrated or re-tuned";
    return undefined;
  };
  const pinSource = (vm: VmRef): { hosts: readonly string[]; from: string } | undefined => {
    const p = cfg.pins.find((e) => e.vms.some((pattern) => matchesVm(pattern, vm.name)));
    if (p) return { hosts: p.hosts, from: 'planner.pins' };
    if (vm.pinnedHosts?.length) return { hosts: vm.pinnedHosts, from: "the domain's vmpilot metadata" };
    return undefined;
  };
  const outsidePins = (vm: VmRef, host: string): string | undefined => {
    const pins = pinSource(vm);
    if (!pins || pins.hosts.includes(host)) return undefined;
    return `${vm.name} is pinned to ${pins.hosts.join(', ')} (${pins.from})`;
  };
  const ignored = (host: string): string | undefined => {
    if (ignoredInConfig.has(host))
      return 'ignored by operator (planner.ignoredHosts): neither a migration source nor a destination, no tuning';
    if (flagged.has(host))
      return 'ignored by operator (capacity.hosts ignored): neither a migration source nor a destination, no tuning';
    return undefined;
  };
  const vmRef = (name: string): VmRef => vmsByName.get(name) ?? { name };

  return {
    excluded,
    pinSet: (vm) => pinSource(vm)?.hosts,
    outsidePins,
    ignored,
    migrationHold: hold,
    heldHosts: () =>
      snapshot.hosts.flatMap((h) => {
        const why = ignored(h.name);
        return why ? [{ host: h.name, code: 'ignored' as const, reason: why }] : [];
      }),
    heldVms: () =>
      snapshot.vms.flatMap((v) => {
        const why = excluded(v);
        return why ? [{ vm: v.name, host: v.host, code: 'excluded' as const, reason: why }] : [];
      }),
    violation: (a) => {
      const vm = vmRef(a.vm);
      // A restart after a host failure (issue 13) recovers an excluded VM too, and its source
      // is the failed host: only its destination is bound (ignored hosts, pins).
      if (a.kind === 'restart') {
        if (a.to === undefined) return undefined;
        const dest = ignored(a.to);
        return dest ? `${a.to} ${dest}` : outsidePins(vm, a.to);
      }
      const ex = excluded(vm);
      if (ex) return `${a.vm} ${ex}`;
      const source = ignored(a.from);
      if (source) return `${a.from} ${source}`;
      if (a.to === undefined) return undefined;
      const dest = ignored(a.to);
      if (dest) return `${a.to} ${dest}`;
      const pinned = outsidePins(vm, a.to);
      if (pinned) return pinned;
      if (a.kind === 'migrate' && hold) return hold.reason;
      return undefined;
    },
  };
}
