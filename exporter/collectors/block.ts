// Collector "block": per-device I/O counters (libvirt stat group `block`).
import { FamilyBuilder } from '../metrics';
import { requireGroup, vmLabels, type Collector } from './types';

export const blockCollector: Collector = {
  name: 'block',
  description: 'per-device read/write/flush bytes, requests and time (group block)',
  source: 'stats',
  groups: ['block'],
  defaultEnabled: true,
  collect(input) {
    const stats = requireGroup(input, 'blocks', 'block');
    const b = new FamilyBuilder();
    const c = (what: string, help: string) => b.family(`vmpilot_domain_block_${what}_total`, 'counter', help);
    const rBytes = c('read_bytes', 'Bytes read from the device.');
    const wBytes = c('write_bytes', 'Bytes written to the device.');
    const rReqs = c('read_requests', 'Read requests to the device.');
    const wReqs = c('write_requests', 'Write requests to the device.');
    const rTime = c('read_time_seconds', 'Time spent reading from the device.');
    const wTime = c('write_time_seconds', 'Time spent writing to the device.');
    const fReqs = c('flush_requests', 'Flush requests to the device.');
    const fTime = c('flush_time_seconds', 'Time spent flushing the device.');
    const capacity = b.family('vmpilot_domain_block_capacity_bytes', 'gauge', 'Logical size of the device.');
    for (const vm of stats.vms) {
      if (!vm.blocks) continue;
      const base = vmLabels(input.host, vm);
      for (const d of vm.blocks) {
        const l = { ...base, device: d.device };
        rBytes(l, d.readBytes);
        wBytes(l, d.writeBytes);
        rReqs(l, d.readOps);
        wReqs(l, d.writeOps);
        rTime(l, d.readTimeSeconds);
        wTime(l, d.writeTimeSeconds);
        fReqs(l, d.flushOps);
        fTime(l, d.flushTimeSeconds);
        capacity(l, d.capacityBytes);
      }
    }
    return b.build();
  },
};
