// Collector "cpu": cumulative CPU time of each domain (libvirt stat group `cpu-total`).
import { FamilyBuilder } from '../metrics';
import { requireGroup, vmLabels, type Collector } from './types';

export const cpuCollector: Collector = {
  name: 'cpu',
  description: 'domain CPU time total/user/system (group cpu-total)',
  source: 'stats',
  groups: ['cpu'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireGroup(input, 'cpu', 'cpu');
    const b = new FamilyBuilder();
    const total = b.family(
      'vmpilot_domain_cpu_time_seconds_total',
      'counter',
      'CPU time used by the domain.',
    );
    const user = b.family(
      'vmpilot_domain_cpu_user_seconds_total',
      'counter',
      'User-mode CPU time of the domain.',
    );
    const system = b.family(
      'vmpilot_domain_cpu_system_seconds_total',
      'counter',
      'Kernel-mode CPU time of the domain.',
    );
    for (const vm of stats.vms) {
      if (!vm.cpu) continue;
      const l = vmLabels(input.host, vm);
      total(l, vm.cpu.totalSeconds);
      user(l, vm.cpu.userSeconds);
      system(l, vm.cpu.systemSeconds);
    }
    return b.build();
  },
};
