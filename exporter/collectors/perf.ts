// Collector "perf": hardware perf event counters, when enabled on the domain (group `perf`).
import { FamilyBuilder } from '../metrics';
import { requireStats, vmLabels, type Collector } from './types';

export const perfCollector: Collector = {
  name: 'perf',
  description: 'hardware perf counters when enabled on the domain (group perf)',
  source: 'stats',
  groups: ['perf'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireStats(input);
    const b = new FamilyBuilder();
    const c = (what: string, help: string) => b.family(`vmpilot_domain_perf_${what}_total`, 'counter', help);
    const misses = c('cache_misses', 'Cache misses counted by perf.');
    const refs = c('cache_references', 'Cache references counted by perf.');
    const instructions = c('instructions', 'Instructions counted by perf.');
    const cycles = c('cpu_cycles', 'CPU cycles counted by perf.');
    for (const vm of stats.vms) {
      if (!vm.perf) continue;
      const l = vmLabels(input.host, vm);
      misses(l, vm.perf.cacheMisses);
      refs(l, vm.perf.cacheReferences);
      instructions(l, vm.perf.instructions);
      cycles(l, vm.perf.cpuCycles);
    }
    return b.build();
  },
};
