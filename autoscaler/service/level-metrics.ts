// Per-VM service levels, the cluster's σ and VM priorities as gauges (issue 13 items 1, 5):
//   vmpilot_vm_service_level{host,domain}        s(x) of the VM's SLI, 0 while it does not run
//   vmpilot_cluster_service_level                σ = Π S_i^{w_i} (absent without any SLI)
//   vmpilot_vm_priority{host,domain,class}       the VM's service-provider weight (default 1),
//                                                labelled with its priority class
import { Gauge, type Registry } from 'prom-client';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from '../decision/config';
import { clusterLevels } from '../decision/levels';
import { priorityOf } from '../decision/shortage';

/** The per-VM series' names (the live view's named queries read them too, api/ui.ts). */
export const VM_SERVICE_LEVEL_METRIC = 'vmpilot_vm_service_level';
export const VM_PRIORITY_METRIC = 'vmpilot_vm_priority';

export class LevelMetrics {
  private readonly vmLevel: Gauge<'host' | 'domain'>;
  private readonly cluster: Gauge;
  private readonly priority: Gauge<'host' | 'domain' | 'class'>;

  constructor(registry: Registry) {
    this.vmLevel = new Gauge({
      name: VM_SERVICE_LEVEL_METRIC,
      help: "Service level s(x) of the VM's SLI (seed 001: 0.5 = the lowest tolerable), 0 while it does not run; from the last round.",
      labelNames: ['host', 'domain'] as const,
      registers: [registry],
    });
    this.cluster = new Gauge({
      name: 'vmpilot_cluster_service_level',
      help: "The cluster's service level σ = Π S_i^w_i over the VMs with an SLI; from the last round.",
      registers: [registry],
    });
    this.priority = new Gauge({
      name: VM_PRIORITY_METRIC,
      help: "The VM's service-provider weight, labelled with its priority class (config, else its domain metadata, else normal).",
      labelNames: ['host', 'domain', 'class'] as const,
      registers: [registry],
    });
  }

  publish(snapshot: ClusterSnapshot, cfg: PlannerConfig): void {
    const { vms, sigma } = clusterLevels(snapshot, cfg);
    this.vmLevel.reset();
    for (const { vm, level } of vms) this.vmLevel.set({ host: vm.host, domain: vm.name }, level);
    this.cluster.reset();
    if (sigma !== undefined) this.cluster.set(sigma);
    this.priority.reset();
    for (const vm of snapshot.vms) {
      const p = priorityOf(vm, cfg);
      this.priority.set({ host: vm.host, domain: vm.name, class: p.class }, p.weight ?? 1);
    }
  }
}
