// Collector "network": per-interface traffic counters (libvirt stat group `interface`).
import { FamilyBuilder } from '../metrics';
import { requireGroup, vmLabels, type Collector } from './types';

export const networkCollector: Collector = {
  name: 'network',
  description: 'per-interface receive/transmit bytes, packets, drops, errors (group interface)',
  source: 'stats',
  groups: ['net'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireGroup(input, 'nets', 'net');
    const b = new FamilyBuilder();
    const c = (what: string, help: string) =>
      b.family(`vmpilot_domain_network_${what}_total`, 'counter', help);
    const rxBytes = c('receive_bytes', 'Bytes received by the interface.');
    const rxPackets = c('receive_packets', 'Packets received by the interface.');
    const rxDrops = c('receive_drops', 'Received packets dropped.');
    const rxErrors = c('receive_errors', 'Receive errors.');
    const txBytes = c('transmit_bytes', 'Bytes transmitted by the interface.');
    const txPackets = c('transmit_packets', 'Packets transmitted by the interface.');
    const txDrops = c('transmit_drops', 'Transmitted packets dropped.');
    const txErrors = c('transmit_errors', 'Transmit errors.');
    for (const vm of stats.vms) {
      if (!vm.nets) continue;
      const base = vmLabels(input.host, vm);
      for (const n of vm.nets) {
        const l = { ...base, interface: n.device };
        rxBytes(l, n.rxBytes);
        rxPackets(l, n.rxPackets);
        rxDrops(l, n.rxDrops);
        rxErrors(l, n.rxErrors);
        txBytes(l, n.txBytes);
        txPackets(l, n.txPackets);
        txDrops(l, n.txDrops);
        txErrors(l, n.txErrors);
      }
    }
    return b.build();
  },
};
