// The I/O limits vmpilot itself set, read back from its journal. The hypervisor port has no
// getter for a disk's iotune or a NIC's bandwidth (block-iotune.ts completes unverified), so
// without this a limit set by local tuning while a device was contended was never lifted:
// the planner's release rule (decision/local.ts ioActions) needs the VM's current limit and
// no source filled it. A limit travels with a live-migrated VM (it is in its definition),
// so the latest completed action per VM and device is what holds, wherever the VM runs now.
// Limits set outside vmpilot stay unknown (and are not vmpilot's to lift).
import type { TuningEvent } from '../../core/model/event';
import type { ClusterSnapshot } from '../../core/model/snapshot';

type Limits = Map<string, Map<string, number>>; // vm → device → bytes/s (0 = unlimited)

function latestLimits(events: readonly TuningEvent[], action: string, param: string): Limits {
  const out: Limits = new Map();
  // Journal order is decision order; a later completed action on a device replaces an earlier.
  for (const e of events) {
    if (e.action !== action || e.result !== 'completed' || !e.params) continue;
    const device = e.params.device;
    const bytes = e.params[param];
    if (typeof device !== 'string' || typeof bytes !== 'number' || !(bytes >= 0)) continue;
    let perDevice = out.get(e.vm);
    if (!perDevice) out.set(e.vm, (perDevice = new Map()));
    perDevice.set(device, bytes);
  }
  return out;
}

/** The VM's total limit over the given devices (planned per device as total ÷ devices), or undefined. */
function totalOver(
  devices: readonly string[] | undefined,
  set: Map<string, number> | undefined,
): number | undefined {
  if (!set || !devices || devices.length === 0) return undefined;
  const known = devices.filter((d) => set.has(d));
  if (known.length === 0) return undefined;
  // The sum of what vmpilot set on them: what local.ts planned as the total and compares.
  return known.reduce((s, d) => s + (set.get(d) ?? 0), 0);
}

/**
 * Fills `allocation.diskLimitBytesPerSecond` / `netLimitBytesPerSecond` from the journal where
 * the snapshot's sources left them unset (a source that reads the hypervisor wins).
 */
export function fillIoLimitsFromJournal(snapshot: ClusterSnapshot, events: readonly TuningEvent[]): void {
  const disk = latestLimits(events, 'set_block_iotune', 'totalBytesSec');
  const net = latestLimits(events, 'set_net_bandwidth', 'inboundBytesSec');
  if (disk.size === 0 && net.size === 0) return;
  for (const vm of snapshot.vms) {
    if (vm.allocation.diskLimitBytesPerSecond === undefined) {
      const d = totalOver(vm.devices?.disks, disk.get(vm.name));
      if (d !== undefined) vm.allocation.diskLimitBytesPerSecond = d;
    }
    if (vm.allocation.netLimitBytesPerSecond === undefined) {
      const n = totalOver(vm.devices?.nics, net.get(vm.name));
      if (n !== undefined) vm.allocation.netLimitBytesPerSecond = n;
    }
  }
}
