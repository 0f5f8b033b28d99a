// Collector "vcpu": vCPU counts and per-vCPU time (libvirt stat group `vcpu`).
import { FamilyBuilder } from '../metrics';
import { requireGroup, vmLabels, type Collector } from './types';

export const vcpuCollector: Collector = {
  name: 'vcpu',
  description: 'vCPU count, maximum and per-vCPU time and state (group vcpu)',
  source: 'stats',
  groups: ['vcpu'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireGroup(input, 'vcpu', 'vcpu');
    const b = new FamilyBuilder();
    const current = b.family('vmpilot_domain_vcpus', 'gauge', 'Number of active vCPUs.');
    const maximum = b.family('vmpilot_domain_vcpus_maximum', 'gauge', 'Maximum number of vCPUs.');
    const time = b.family('vmpilot_domain_vcpu_time_seconds_total', 'counter', 'CPU time used by one vCPU.');
    const delay = b.family(
      'vmpilot_domain_vcpu_delay_seconds_total',
      'counter',
      'Time one vCPU was runnable but waited for a host CPU (run-queue wait, incl. time throttled by a cap).',
    );
    const state = b.family(
      'vmpilot_domain_vcpu_state',
      'gauge',
      'libvirt vCPU state (0 offline, 1 running, 2 blocked).',
    );
    for (const vm of stats.vms) {
      if (!vm.vcpu) continue;
      const l = vmLabels(input.host, vm);
      current(l, vm.vcpu.current);
      maximum(l, vm.vcpu.maximum);
      for (const v of vm.vcpu.perVcpu) {
        const lv = { ...l, vcpu: String(v.id) };
        time(lv, v.timeSeconds);
        delay(lv, v.delaySeconds);
        state(lv, v.state);
      }
    }
    return b.build();
  },
};
