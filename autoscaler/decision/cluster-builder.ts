// Builders of literal cluster snapshots for the planner's tests, property tests and bench:
// a host or VM with a steady usage history, every other field defaulted.
import type { ClusterSnapshot, HostSnapshot, ResourceVector, VmSnapshot } from '../../core/model/snapshot';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function vec(cpu: number, mem: number, disk = 0, net = 0): ResourceVector {
  return { cpu, mem, disk, net };
}

/** A host with `cpus` cores and `memGiB` of guest memory, observed `samples` times at `usage`. */
export function hostOf(
  name: string,
  cpus: number,
  memGiB: number,
  usage: ResourceVector = vec(0, 0),
  extra: Partial<HostSnapshot> = {},
  samples = 5,
): HostSnapshot {
  return {
    name,
    cpus,
    capacity: vec(cpus, memGiB * GiB, 200 * MiB, 100 * MiB),
    usageHistory: Array.from({ length: samples }, () => ({ ...usage })),
    up: true,
    ageSeconds: 0,
    ...extra,
  };
}

/**
 * A running VM observed `samples` times at `usage`; its balloon driver reports unused what
 * `usage.mem` leaves of the balloon (as the exporter's balloon statistics would).
 */
export function vmOf(
  name: string,
  host: string,
  usage: ResourceVector,
  extra: Partial<VmSnapshot> = {},
  samples = 5,
): VmSnapshot {
  const vm: VmSnapshot = {
    name,
    host,
    state: 'running',
    vcpus: 2,
    memoryBytes: 2 * GiB,
    workload: 'cpu',
    usageHistory: Array.from({ length: samples }, () => ({ ...usage })),
    allocation: { cpuShares: 1024, balloonBytes: 2 * GiB },
    ...extra,
  };
  const balloon = vm.allocation.balloonBytes;
  if (!('memoryUnusedBytes' in extra) && balloon !== undefined)
    vm.memoryUnusedBytes = Math.max(0, balloon - usage.mem);
  return vm;
}

/**
 * A snapshot whose host usage histories are the sums of their VMs' (what a consistent
 * source reports).
 */
export function snapshotOf(
  hosts: HostSnapshot[],
  vms: VmSnapshot[],
  at = 1_000_000,
  intervalSeconds = 10,
): ClusterSnapshot {
  const byHost = new Map<string, VmSnapshot[]>();
  for (const v of vms) byHost.set(v.host, [...(byHost.get(v.host) ?? []), v]);
  const filled = hosts.map((h) => {
    const mine = byHost.get(h.name) ?? [];
    const n = Math.max(h.usageHistory.length, ...mine.map((v) => v.usageHistory.length));
    const usageHistory = Array.from({ length: n }, (_, i) => {
      const sum = vec(0, 0);
      for (const v of mine) {
        const u = v.usageHistory[i] ?? v.usageHistory[v.usageHistory.length - 1];
        if (!u) continue;
        sum.cpu += u.cpu;
        sum.mem += u.mem;
        sum.disk += u.disk;
        sum.net += u.net;
      }
      return sum;
    });
    return { ...h, usageHistory };
  });
  return { at, intervalSeconds, hosts: filled, vms };
}
