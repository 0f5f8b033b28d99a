// Default PromQL for every input the planner needs. They read the exporter's metric names
// (exporter/collectors/, pinned by exporter/fixtures/*.prom); an operator may override any of them in vmpilot.yaml.
// Substitutions: `$window` → the rate window (config `prometheus.rateWindow`). Per-VM SLI
// queries may also use `$vm` and `$host`.
//
// Every query returns one series per VM labelled {instance, host, domain} or per host labelled
// {instance, host}. `instance` (the exporter Prometheus scraped) is kept so that, with one
// exporter per KVM host (`prometheus.exporters`), it names the host (sources/instance-map.ts);
// with one exporter for many hosts the `host` label does.

export const DEFAULT_QUERIES = {
  /** One series per VM the exporter sees; labels host, domain, uuid, state. */
  vmInfo: 'vmpilot_domain_info',
  /** CPU use in cores. */
  vmCpu: 'sum by (instance, host, domain) (rate(vmpilot_domain_cpu_time_seconds_total[$window]))',
  /**
   * Run-queue wait of the VM's vCPUs in cores (host contention, a cap): with use, what the VM
   * wanted. Absent (an older exporter, a hypervisor without vcpu.N.delay) → use alone.
   */
  vmCpuWait: 'sum by (instance, host, domain) (rate(vmpilot_domain_vcpu_delay_seconds_total[$window]))',
  /** Memory demand in bytes: what the guest uses of its balloon. */
  vmMemory:
    'sum by (instance, host, domain) (vmpilot_domain_memory_balloon_current_bytes - vmpilot_domain_memory_balloon_unused_bytes)' +
    ' or sum by (instance, host, domain) (vmpilot_domain_memory_balloon_current_bytes)',
  /** Configured (maximum) memory in bytes: what a migration copies. */
  vmMemoryMax: 'sum by (instance, host, domain) (vmpilot_domain_memory_balloon_maximum_bytes)',
  /** Current balloon in bytes. */
  vmBalloon: 'sum by (instance, host, domain) (vmpilot_domain_memory_balloon_current_bytes)',
  /** Guest memory the balloon driver reports unused, and the host RSS (the footprint rule). */
  vmMemoryUnused: 'sum by (instance, host, domain) (vmpilot_domain_memory_balloon_unused_bytes)',
  vmMemoryRss: 'sum by (instance, host, domain) (vmpilot_domain_memory_balloon_rss_bytes)',
  vmVcpus: 'sum by (instance, host, domain) (vmpilot_domain_vcpus)',
  /** Disk demand in bytes/second (read + write over all devices). */
  vmDisk:
    'sum by (instance, host, domain) (rate(vmpilot_domain_block_read_bytes_total[$window]))' +
    ' + sum by (instance, host, domain) (rate(vmpilot_domain_block_write_bytes_total[$window]))',
  /**
   * Seconds the VM's block requests took per second, queueing included (read, write and flush
   * time over all devices): by Little's law its requests in flight; with throughput, what it
   * wanted of a saturated disk (decision/points.ts). Absent (an older exporter) → throughput alone.
   */
  vmDiskTime:
    'sum by (instance, host, domain) (rate(vmpilot_domain_block_read_time_seconds_total[$window]))' +
    ' + sum by (instance, host, domain) (rate(vmpilot_domain_block_write_time_seconds_total[$window]))' +
    // Flush time when the hypervisor reports it (fl.times), else 0 — not the VM dropped.
    ' + (sum by (instance, host, domain) (rate(vmpilot_domain_block_flush_time_seconds_total[$window]))' +
    ' or 0 * sum by (instance, host, domain) (rate(vmpilot_domain_block_read_time_seconds_total[$window])))',
  vmNetRx: 'sum by (instance, host, domain) (rate(vmpilot_domain_network_receive_bytes_total[$window]))',
  vmNetTx: 'sum by (instance, host, domain) (rate(vmpilot_domain_network_transmit_bytes_total[$window]))',
  vmDirtyRate: 'sum by (instance, host, domain) (vmpilot_domain_memory_dirty_rate_bytes_per_second)',
  /** LLC misses per kilo-instruction (perf counters, when enabled). */
  vmCacheMpki:
    '1000 * sum by (instance, host, domain) (rate(vmpilot_domain_perf_cache_misses_total[$window]))' +
    ' / sum by (instance, host, domain) (rate(vmpilot_domain_perf_instructions_total[$window]))',
  /** Application SLIs of web VMs (request rate, throughput, mean response time). */
  vmRequests: 'sum by (instance, host, domain) (rate(vmpilot_app_requests_total[$window]))',
  vmResponses: 'sum by (instance, host, domain) (rate(vmpilot_app_responses_total[$window]))',
  vmResponseTime: 'max by (instance, host, domain) (vmpilot_app_response_time_seconds)',
  /** Disk devices and network interfaces per VM (for I/O limits). */
  vmDiskDevices: 'group by (instance, host, domain, device) (vmpilot_domain_block_read_bytes_total)',
  vmNics: 'group by (instance, host, domain, interface) (vmpilot_domain_network_receive_bytes_total)',
  /** 1 when the exporter reached the host's hypervisor. */
  hostUp: 'max by (instance, host) (vmpilot_host_up)',
  /** Time of the newest sample of the host, seconds since the epoch (freshness). */
  hostSampleTime: 'max by (instance, host) (timestamp(vmpilot_host_up))',
  hostCpus: 'max by (instance, host) (vmpilot_host_cpus)',
  hostMemory: 'max by (instance, host) (vmpilot_host_memory_total_bytes)',
} as const;

export type QueryName = keyof typeof DEFAULT_QUERIES;
export const QUERY_NAMES = Object.keys(DEFAULT_QUERIES) as QueryName[];

/** Substitutes `$window`, `$vm` and `$host` in a query. */
export function expandQuery(query: string, vars: { window: string; vm?: string; host?: string }): string {
  return query
    .replaceAll('$window', vars.window)
    .replaceAll('$vm', vars.vm ?? '')
    .replaceAll('$host', vars.host ?? '');
}
