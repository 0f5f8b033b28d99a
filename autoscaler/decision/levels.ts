// Service levels as measured now (issue 13 item 5, seed 001 §5): each VM's s(x) from its
// SLI and target, and the cluster's σ = Π S_i^{w_i} over the VMs that have one — what the
// autoscaler exports (vmpilot_vm_service_level, vmpilot_cluster_service_level) and what
// shortage handling reads.
import type { ClusterSnapshot, VmSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import { slWeight } from './local';
import { aggregateServiceLevel, serviceLevel, serviceLevelHigher } from './service-level';

/** s(x) of the VM's measured SLI (undefined without an SLI or while it does not run). */
export function measuredLevel(vm: VmSnapshot, cfg: PlannerConfig): number | undefined {
  const sli = vm.sli;
  if (!sli || vm.state !== 'running') return undefined;
  const p = { a: cfg.serviceLevel.a, b: sli.target, w: cfg.serviceLevel.w };
  return sli.higherIsBetter ? serviceLevelHigher(sli.value, p) : serviceLevel(sli.value, p);
}

/**
 * Every VM's level and σ. A VM with an SLI that does not run (suspended, saved, on a failed
 * host) serves nothing: its level is 0, and so is σ — the product says the cluster is not
 * serving everyone, which is what it is.
 */
export function clusterLevels(
  snapshot: ClusterSnapshot,
  cfg: PlannerConfig,
): { vms: { vm: VmSnapshot; level: number }[]; sigma: number | undefined } {
  const vms: { vm: VmSnapshot; level: number }[] = [];
  for (const vm of snapshot.vms) {
    if (!vm.sli && !vm.web) continue;
    const level = measuredLevel(vm, cfg) ?? (vm.state === 'running' ? undefined : 0);
    if (level !== undefined) vms.push({ vm, level });
  }
  const sigma =
    vms.length === 0
      ? undefined
      : aggregateServiceLevel(vms.map((v) => ({ level: v.level, weight: slWeight(v.vm.name, cfg) })));
  return { vms, sigma };
}
