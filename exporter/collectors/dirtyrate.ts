// Collector "dirtyrate": memory dirty rate, when the hypervisor measured it (group `dirtyrate`).
import { FamilyBuilder } from '../metrics';
import { requireStats, vmLabels, type Collector } from './types';

export const dirtyRateCollector: Collector = {
  name: 'dirtyrate',
  description: 'memory dirty rate when a measurement completed (group dirtyrate)',
  source: 'stats',
  groups: ['dirtyrate'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireStats(input);
    const b = new FamilyBuilder();
    const rate = b.family(
      'vmpilot_domain_memory_dirty_rate_bytes_per_second',
      'gauge',
      'Rate at which the guest dirties memory (last completed measurement).',
    );
    for (const vm of stats.vms) rate(vmLabels(input.host, vm), vm.dirtyRateBytesPerSecond);
    return b.build();
  },
};
