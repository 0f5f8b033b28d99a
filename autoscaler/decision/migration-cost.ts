// The planner's migration cost estimate: the one pre-copy model (core/model/precopy.ts,
// calibrated on seed 004 Table 1, also the simulator's physics) applied to a VM of the
// snapshot with the planner's engine parameters (`planner.migration`, whose defaults are
// the model's calibrated ones). Round 0 copies the memory the VM has touched — its footprint
// (core/model/footprint.ts: balloon − unused, else host RSS, else the balloon), since QEMU
// does not send never-written zero pages; later rounds may dirty any of its balloon. The
// VM's own outbound traffic competes with the migration stream. The hypervisor's stop rule
// (`maxDowntimeSeconds`, QEMU's downtime limit) and the cluster's switch-over cost
// (`switchoverSeconds`, learned from the journal by the service) come with the engine.
import { vmFootprintBytes } from '../../core/model/footprint';
import { preCopy, streamBandwidth, type PreCopyEstimate } from '../../core/model/precopy';
import type { VmSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';

export function migrationEstimate(vm: VmSnapshot, engine: PlannerConfig['migration']): PreCopyEstimate {
  return preCopy({
    bandwidthBytesPerSecond: engine.bandwidthBytesPerSecond,
    stopBytes: engine.stopBytes,
    maxRounds: engine.maxRounds,
    maxDowntimeSeconds: engine.maxDowntimeSeconds,
    switchoverSeconds: engine.switchoverSeconds,
    memoryBytes: vm.allocation.balloonBytes ?? vm.memoryBytes,
    touchedBytes: vmFootprintBytes(vm),
    dirtyRateBytesPerSecond: vm.dirtyRateBytesPerSecond ?? 0,
    competingBytesPerSecond: vm.netTxBytesPerSecond ?? 0,
  });
}

/** Bandwidth of the VM's migration stream as the estimate assumes it (link minus its own traffic). */
export function streamBandwidthFor(vm: VmSnapshot, engine: PlannerConfig['migration']): number {
  return streamBandwidth(engine.bandwidthBytesPerSecond, vm.netTxBytesPerSecond ?? 0);
}
