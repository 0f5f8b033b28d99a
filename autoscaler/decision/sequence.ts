// Order of migrations when several VMs must move (SPEC §7, seed 004), e.g. evacuating a
// host for maintenance: memory-dirtying and web-serving VMs first (their pre-copy only
// gets worse while the host stays loaded), network-receive-heavy VMs last (their traffic
// competes with every migration stream out of the host), the rest shortest-job-first by
// memory size. Ties keep the name order, so the plan is deterministic.
import type { VmTraits } from './contention';
import type { VmView } from './points';

export interface SequencedVm {
  view: VmView;
  traits: VmTraits;
}

/** 0 = first (dirty memory, web), 1 = the rest, 2 = last (net-receive-heavy). */
export function sequenceClass(s: SequencedVm): 0 | 1 | 2 {
  if (s.traits.dirtyHeavy || s.view.vm.workload === 'web') return 0;
  if (s.traits.netRxHeavy) return 2;
  return 1;
}

export function orderMigrations<T extends SequencedVm>(vms: readonly T[]): T[] {
  return [...vms].sort(
    (a, b) =>
      sequenceClass(a) - sequenceClass(b) ||
      a.view.vm.memoryBytes - b.view.vm.memoryBytes ||
      a.view.vm.name.localeCompare(b.view.vm.name),
  );
}
