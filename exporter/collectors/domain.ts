// Collector "domain": which VMs exist and their state (libvirt stat group `state`).
import { DOMAIN_STATES } from '../../core/libvirt/constants';
import { FamilyBuilder } from '../metrics';
import { requireStats, vmLabels, type Collector } from './types';

export const domainCollector: Collector = {
  name: 'domain',
  description: 'domain info and state (group state)',
  source: 'stats',
  groups: ['state'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireStats(input);
    const b = new FamilyBuilder();
    const info = b.family('vmpilot_domain_info', 'gauge', 'Domain metadata; the value is always 1.');
    const state = b.family(
      'vmpilot_domain_state',
      'gauge',
      'libvirt domain state code (0 nostate, 1 running, 2 blocked, 3 paused, 4 shutdown, 5 shutoff, 6 crashed, 7 pmsuspended).',
    );
    for (const vm of stats.vms) {
      const l = vmLabels(input.host, vm);
      info({ ...l, state: vm.state }, 1);
      state(l, Math.max(0, DOMAIN_STATES.indexOf(vm.state)));
    }
    return b.build();
  },
};
