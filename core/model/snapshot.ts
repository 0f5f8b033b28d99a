// The cluster snapshot: what the planner sees at time t. Built by a metrics source
// (Prometheus in production, the simulator in-process) and never by the planner itself.
import type { VmState } from '../hypervisor/port';
import type { VmPriority } from './priority';

export type Resource = 'cpu' | 'mem' | 'disk' | 'net';
export const RESOURCES: readonly Resource[] = ['cpu', 'mem', 'disk', 'net'];

/**
 * One number per resource, in base units:
 * cpu = cores (CPU-seconds per second), mem = bytes, disk = bytes/second, net = bytes/second.
 */
export type ResourceVector = Record<Resource, number>;

export type WorkloadKind = 'web' | 'cpu' | 'memory-dirty' | 'disk' | 'net' | 'mixed' | 'unknown';

export interface HostSnapshot {
  name: string;
  /** Whole-host capacity per resource. */
  capacity: ResourceVector;
  /** Host usage per observation, oldest first, last = latest (for k-of-n hotspot detection). */
  usageHistory: ResourceVector[];
  /** Data for this host is fresh and complete; false → the planner holds the host. */
  up: boolean;
  /** Age of the newest sample for this host, in seconds. */
  ageSeconds: number;
  /**
   * Free memory the hypervisor reports now (bytes): room for an incoming VM. Unknown →
   * the planner relies on the memory load alone.
   */
  memoryFreeBytes?: number;
  /** Operator put the host in maintenance: evacuate, never a destination. */
  maintenance?: boolean;
  /**
   * Operator leaves the host alone (issue 14; config `capacity.hosts.<name>.ignored`, or a
   * scenario host's `ignored`): neither a migration source nor a destination, no tuning.
   */
  ignored?: boolean;
  /**
   * Alertmanager reports a hotspot alert firing on this host (POST /api/v1/alerts). The
   * alert rule already required persistence (k-of-n in its expression, or `for:`), so the
   * planner does not wait for its own k-of-n; a resource still has to be above `high`.
   */
  alerted?: boolean;
  cpus: number;
}

export interface WebStats {
  requestsPerSecond: number;
  throughputPerSecond: number;
  responseTimeSeconds?: number;
}

export interface VmSnapshot {
  name: string;
  uuid?: string;
  host: string;
  state: VmState;
  vcpus: number;
  /** Most vCPUs the VM can have online (its hot-plug limit), when known. */
  maxVcpus?: number;
  /** Configured (maximum) memory in bytes: what a migration must copy. */
  memoryBytes: number;
  workload: WorkloadKind;
  /** Demand per observation, oldest first, last = latest. */
  usageHistory: ResourceVector[];
  /**
   * CPU time per second its vCPUs waited for a host CPU (run-queue wait, including throttling
   * by a cap: libvirt `vcpu.N.delay`), latest, when known. Use alone never shows more than a
   * VM was given; use + wait is what it wanted.
   */
  cpuWaitCores?: number;
  /**
   * CPU demand in cores (use plus run-queue wait) over the last planning horizon, one average
   * per `stepSeconds`, oldest first, the last ending now (core/model/horizon-history.ts),
   * wherever the VM ran, when the source provides it.
   */
  horizonCpu?: { stepSeconds: number; cores: number[] };
  /**
   * Seconds its block requests took per second, queueing included (libvirt `block.N.rd.times`,
   * `wr.times`, `fl.times` summed over devices), latest, when known. By Little's law the mean
   * requests in flight; throughput alone never shows more than the disk gave.
   */
  diskTimeSecondsPerSecond?: number;
  /** Memory dirty rate in bytes/second, when known. */
  dirtyRateBytesPerSecond?: number;
  /** Guest memory the balloon driver reports unused (bytes), when known (core/model/footprint.ts). */
  memoryUnusedBytes?: number;
  /** Host-side resident memory of the VM's process (bytes), when known (core/model/footprint.ts). */
  memoryRssBytes?: number;
  netRxBytesPerSecond?: number;
  netTxBytesPerSecond?: number;
  /** LLC misses per kilo-instruction, when perf counters are on. */
  cacheMissesPerKiloInstruction?: number;
  web?: WebStats;
  /** Application SLI (seed 001): measured value and its target. */
  sli?: { value: number; target: number; higherIsBetter: boolean };
  /** Communication group from the inventory (the planner keeps a group's VMs together). */
  group?: string;
  /** Priority from the domain's metadata, when it has one (config may override: planner.priorities). */
  priority?: VmPriority;
  /** The domain's metadata excludes the VM: never migrated or re-tuned (config may also: planner.exclude). */
  exclude?: boolean;
  /** Hosts the domain's metadata pins the VM to (config may also: planner.pins). */
  pinnedHosts?: string[];
  /** Device names, for block/net I/O limits. */
  devices?: { disks: string[]; nics: string[] };
  /** Current allocations, as the hypervisor reports them. */
  allocation: {
    cpuShares?: number;
    cpuQuotaUs?: number;
    cpuPeriodUs?: number;
    balloonBytes?: number;
    vcpus?: number;
    /** Host CPUs each vCPU is pinned to (index = vCPU), when known. */
    pinning?: number[][];
    /** Current block I/O limit of the VM (all disks together, bytes/second; 0 = none), when known. */
    diskLimitBytesPerSecond?: number;
    /** Current network limit of the VM (all NICs, per direction, bytes/second; 0 = none), when known. */
    netLimitBytesPerSecond?: number;
  };
}

export interface ClusterSnapshot {
  /** Time of the snapshot, ms since the epoch. */
  at: number;
  /** Scrape/observation interval in seconds (stale = older than `planner.staleIntervals` of these). */
  intervalSeconds: number;
  hosts: HostSnapshot[];
  vms: VmSnapshot[];
}
