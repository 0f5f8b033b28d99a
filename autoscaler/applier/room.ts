// Free memory on a host, counted one way for the planner's destination check (through the
// service's snapshot enrichment) and the applier's migration pre-condition, so the two
// never disagree about whether a VM fits.
import type { HostInfo, VmInfo } from '../../core/hypervisor/port';

const RESIDENT = new Set(['running', 'blocked', 'paused']);

/** The hypervisor's own free-memory figure, else its memory minus what resident VMs hold. */
export function freeMemoryBytes(host: HostInfo, vms: readonly VmInfo[]): number {
  if (host.memoryFreeBytes !== undefined) return host.memoryFreeBytes;
  const committed = vms.filter((v) => RESIDENT.has(v.state)).reduce((s, v) => s + v.memoryBytes, 0);
  return host.memoryBytes - committed;
}
