// The one rule for a VM's memory footprint: the bytes it will occupy on a destination host,
// compared with that host's free memory (autoscaler/applier/room.ts `freeMemoryBytes`).
// The planner's destination check (autoscaler/decision/global.ts) and the applier's
// migration pre-condition both count a VM with `residentMemoryBytes`, so they agree on fit.
//
// The rule, in order of preference:
// 1. balloon current − unused: what the guest holds in use now (page cache included: the
//    balloon driver's "unused" is the guest's free memory). It is what the guest needs on
//    the destination to keep running without swapping, and what the host's swap pressure
//    depends on (the simulator's physics count the same thing: min(working set, balloon)).
//    It is also the Prometheus source's memory demand (`vmMemory`), so fit and load agree.
// 2. host RSS of the VM's process, when the guest reports no unused figure (no balloon
//    statistics): what the host really backs for the VM now — a slight over-count
//    (QEMU's own memory), so a safe one.
// 3. the balloon: the most the guest can use.
// Not the configured maximum: KVM overcommits and allocates guest RAM lazily, and local
// tuning moves balloons below the maximum. Not the balloon first: local tuning hands a
// host's spare memory to its balloons, so counting balloons would leave room for no VM.
import type { VmSnapshot } from './snapshot';

export interface MemoryReading {
  /** The balloon's current size (bytes): the memory the guest may use now. */
  balloonBytes: number;
  /** Guest memory the balloon driver reports unused (bytes), when known. */
  unusedBytes?: number;
  /** Host-side resident memory of the VM's process (bytes), when known. */
  rssBytes?: number;
}

/** Bytes the VM will occupy on a destination host (see the rule above). */
export function residentMemoryBytes(r: MemoryReading): number {
  if (r.unusedBytes !== undefined) return Math.max(0, r.balloonBytes - r.unusedBytes);
  if (r.rssBytes !== undefined) return r.rssBytes;
  return r.balloonBytes;
}

/** The footprint of a VM of the snapshot: its balloon (else configured memory) and readings. */
export function vmFootprintBytes(vm: VmSnapshot): number {
  return residentMemoryBytes({
    balloonBytes: vm.allocation.balloonBytes ?? vm.memoryBytes,
    unusedBytes: vm.memoryUnusedBytes,
    rssBytes: vm.memoryRssBytes,
  });
}
