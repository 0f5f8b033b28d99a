// Collector "host": CPUs, frequency, CPU time by mode, memory and domain count of a host.
import { FamilyBuilder } from '../metrics';
import type { Collector } from './types';

export const hostCollector: Collector = {
  name: 'host',
  description: 'host CPUs, MHz, CPU time by mode, memory total/free, number of domains',
  source: 'host',
  groups: [],
  defaultEnabled: true,
  collect(input) {
    const info = input.hostInfo;
    if (!info) throw new Error(`no host info for host ${input.host}`);
    const b = new FamilyBuilder();
    const l = { host: input.host };
    b.family('vmpilot_host_cpus', 'gauge', 'Number of logical CPUs of the host.')(l, info.cpus);
    b.family('vmpilot_host_cpu_mhz', 'gauge', 'Nominal CPU frequency of the host in MHz.')(l, info.mhz);
    b.family('vmpilot_host_memory_total_bytes', 'gauge', 'Memory of the host.')(l, info.memoryBytes);
    b.family('vmpilot_host_memory_free_bytes', 'gauge', 'Free memory of the host.')(l, info.memoryFreeBytes);
    const modes = b.family('vmpilot_host_cpu_seconds_total', 'counter', 'Host CPU time by mode.');
    for (const [mode, s] of Object.entries(info.cpuSecondsByMode ?? {}).sort()) modes({ ...l, mode }, s);
    if (input.stats) {
      b.family(
        'vmpilot_host_domains',
        'gauge',
        'Number of domains defined on the host.',
      )(l, input.stats.vms.length);
    }
    return b.build();
  },
};
