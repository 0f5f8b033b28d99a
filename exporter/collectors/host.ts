// Collector "host": CPUs, frequency, CPU time by mode, memory and domain counts of a host.
//
// Renamed in 0.2 (the old names stay one release, then go; exporter/README.md "Renamed
// metrics"): vmpilot_host_cpu_mhz → vmpilot_host_cpu_hertz (base unit), and
// vmpilot_host_cpu_seconds_total{mode="kernel"} → vmpilot_host_cpu_time_seconds_total with
// node_exporter's mode names (`system`, not libvirt's `kernel`). A new name, not a second
// label value, so sum() over the modes of either metric stays right during the overlap.
import { FamilyBuilder } from '../metrics';
import type { Collector } from './types';

/** libvirt's node CPU stat names → node_exporter's `mode` values. */
const NODE_EXPORTER_MODE: Readonly<Record<string, string>> = { kernel: 'system' };

/** States in which a domain counts as active (libvirt's "active": it has a running QEMU). */
const INACTIVE = new Set(['shutoff', 'shutdown', 'crashed', 'nostate']);

export const hostCollector: Collector = {
  name: 'host',
  description: 'host CPUs, frequency, CPU time by mode, memory total/free, number of domains',
  source: 'host',
  groups: [],
  defaultEnabled: true,
  collect(input) {
    const info = input.hostInfo;
    if (!info) throw new Error(`no host info for host ${input.host}`);
    const b = new FamilyBuilder();
    const l = { host: input.host };
    b.family('vmpilot_host_cpus', 'gauge', 'Number of logical CPUs of the host.')(l, info.cpus);
    b.family(
      'vmpilot_host_cpu_hertz',
      'gauge',
      'Nominal CPU frequency of the host in hertz.',
    )(l, info.mhz * 1e6);
    b.family(
      'vmpilot_host_cpu_mhz',
      'gauge',
      'Deprecated (removed in the next release): use vmpilot_host_cpu_hertz. Nominal CPU frequency in MHz.',
    )(l, info.mhz);
    b.family('vmpilot_host_memory_total_bytes', 'gauge', 'Memory of the host.')(l, info.memoryBytes);
    b.family('vmpilot_host_memory_free_bytes', 'gauge', 'Free memory of the host.')(l, info.memoryFreeBytes);
    const byMode = Object.entries(info.cpuSecondsByMode ?? {}).sort();
    const time = b.family(
      'vmpilot_host_cpu_time_seconds_total',
      'counter',
      'Host CPU time by mode (node_exporter mode names: system, user, idle, iowait).',
    );
    for (const [mode, s] of byMode) time({ ...l, mode: NODE_EXPORTER_MODE[mode] ?? mode }, s);
    const old = b.family(
      'vmpilot_host_cpu_seconds_total',
      'counter',
      'Deprecated (removed in the next release): use vmpilot_host_cpu_time_seconds_total. Host CPU time by libvirt mode.',
    );
    for (const [mode, s] of byMode) old({ ...l, mode }, s);
    if (input.stats) {
      b.family(
        'vmpilot_host_domains',
        'gauge',
        'Number of domains defined on the host.',
      )(l, input.stats.vms.length);
      b.family(
        'vmpilot_host_domains_active',
        'gauge',
        "Number of active (running, paused, blocked) domains on the host, as libvirt_domains_number of Debian's exporter.",
      )(l, input.stats.vms.filter((v) => !INACTIVE.has(v.state)).length);
    }
    return b.build();
  },
};
