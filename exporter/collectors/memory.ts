// Collector "memory": balloon sizes and guest memory statistics (libvirt stat group `balloon`).
import { FamilyBuilder } from '../metrics';
import { requireGroup, vmLabels, type Collector } from './types';

export const memoryCollector: Collector = {
  name: 'memory',
  description: 'balloon current/maximum and guest memory stats (group balloon)',
  source: 'stats',
  groups: ['balloon'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireGroup(input, 'balloon', 'balloon');
    const b = new FamilyBuilder();
    const g = (what: string, help: string) =>
      b.family(`vmpilot_domain_memory_balloon_${what}_bytes`, 'gauge', help);
    const current = g('current', 'Current balloon size (memory the guest has).');
    const maximum = g('maximum', 'Maximum memory of the domain.');
    const available = g('available', 'Memory the guest sees as available (guest-reported).');
    const unused = g('unused', 'Memory left unused by the guest (guest-reported).');
    const usable = g('usable', 'Memory the guest can use without swapping (guest-reported).');
    const rss = g('rss', 'Resident set size of the hypervisor process.');
    for (const vm of stats.vms) {
      const m = vm.balloon;
      if (!m) continue;
      const l = vmLabels(input.host, vm);
      current(l, m.currentBytes);
      maximum(l, m.maximumBytes);
      available(l, m.availableBytes);
      unused(l, m.unusedBytes);
      usable(l, m.usableBytes);
      rss(l, m.rssBytes);
    }
    return b.build();
  },
};
