// VMViewer points of each VM from a snapshot (SPEC §4): 100 × demand / host capacity per
// resource, on the latest observation. Published as vmpilot_vm_points for Grafana and rules.
import { RESOURCES, type ClusterSnapshot, type Resource } from '../../core/model/snapshot';

export interface VmPoints {
  host: string;
  vm: string;
  points: Record<Resource, number>;
}

export function pointsOf(snapshot: ClusterSnapshot): VmPoints[] {
  const hosts = new Map(snapshot.hosts.map((h) => [h.name, h]));
  const out: VmPoints[] = [];
  for (const vm of snapshot.vms) {
    const host = hosts.get(vm.host);
    const last = vm.usageHistory[vm.usageHistory.length - 1];
    if (!host || !last) continue;
    const points = {} as Record<Resource, number>;
    for (const r of RESOURCES) points[r] = host.capacity[r] > 0 ? (100 * last[r]) / host.capacity[r] : 0;
    out.push({ host: vm.host, vm: vm.name, points });
  }
  return out;
}
