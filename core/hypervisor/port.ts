// The hypervisor port: the one way vmpilot sees and changes hypervisors.
//
// Adapters: libvirt (core/libvirt, real hosts and libvirt's test driver) and the simulated
// cluster (core/sim, `sim://SCENARIO`). A port instance is one connection; it may hold one
// host (libvirt) or many (the simulator). `connectHypervisors` (connect.ts) aggregates
// several connections into one port that routes by host name.
//
// Conventions, for every method:
// - Units are base units: bytes, seconds, bytes/second. CPU weights are cgroup-style
//   shares (libvirt `cpu_shares`, 2..262144); caps are CFS quota/period in microseconds.
// - Every call takes optional `CallOptions`; without `timeoutMs` the adapter's default
//   deadline applies (see `PortOptions.defaultTimeoutMs`). Past it the call rejects with a
//   `timeout` HypervisorError (the underlying call may still finish in the background).
// - Failures reject with `HypervisorError` (errors.ts), never with a backend's own type;
//   the backend's error is the `cause`.
// - "Required" methods work on every adapter. "Optional" methods may reject with
//   `unsupported` when the backend cannot do it; the contract suite asserts which.
import type { MigrationProgress } from '../model/migration-progress';
import type { VmPriority } from '../model/priority';

export type VmState =
  'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended' | 'nostate';

/** Every VmState, for validating states read from elsewhere (e.g. a Prometheus label). */
export const VM_STATES: readonly VmState[] = [
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
  'nostate',
];

export interface CallOptions {
  /** Deadline of this call in milliseconds. */
  timeoutMs?: number;
}

/** A VM is named by its host and its name (unique on a host). */
export interface VmRef {
  host: string;
  name: string;
}

export interface HostInfo {
  /** Stable name of the host inside vmpilot (see connect.ts for how it is derived). */
  name: string;
  /** URI of the connection that reaches it. */
  uri: string;
  cpus: number;
  /** Nominal CPU frequency in MHz (0 when unknown). */
  mhz: number;
  memoryBytes: number;
  /** Free memory, when the backend reports it. */
  memoryFreeBytes?: number;
  /** Cumulative host CPU time by mode in seconds (user, system, idle, iowait…), when reported. */
  cpuSecondsByMode?: Record<string, number>;
}

export interface VmInfo {
  name: string;
  uuid: string;
  state: VmState;
  vcpus: number;
  /** Most vCPUs the VM can have online (hot-plug limit), when the backend reports it. */
  maxVcpus?: number;
  /** Current memory (balloon target for a running VM) in bytes. */
  memoryBytes: number;
  maxMemoryBytes: number;
  /**
   * The VM's priority as it travels with the domain (libvirt: vmpilot's <metadata> element,
   * core/model/vm-metadata.ts; simulator: the scenario's `priority`), when it has one.
   */
  priority?: VmPriority;
  /** The operator excluded the VM (same element; simulator: scenario `exclude`): never migrated or re-tuned. */
  exclude?: boolean;
  /** Hosts the VM may run on (same element's `hosts`; simulator: scenario `pinnedHosts`). */
  pinnedHosts?: string[];
}

export interface VcpuStat {
  id: number;
  /** Cumulative CPU time of this vCPU in seconds. */
  timeSeconds?: number;
  /** libvirt vCPU state: 0 offline, 1 running, 2 blocked. */
  state?: number;
  /**
   * Cumulative seconds this vCPU was runnable but waiting for a host CPU (libvirt's
   * `vcpu.N.delay`, the thread's schedstat run delay; includes time throttled by a cap).
   * Usage plus this is the vCPU's demand: usage alone never exceeds what it was given.
   */
  delaySeconds?: number;
}

export interface BalloonStat {
  currentBytes: number;
  maximumBytes: number;
  availableBytes?: number;
  unusedBytes?: number;
  usableBytes?: number;
  rssBytes?: number;
  swapInBytes?: number;
  swapOutBytes?: number;
  majorFaults?: number;
  minorFaults?: number;
}

export interface BlockStat {
  device: string;
  path?: string;
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
  readTimeSeconds?: number;
  writeTimeSeconds?: number;
  /** Flush (cache write-back) requests and the time they took (libvirt `fl.reqs`, `fl.times`). */
  flushOps?: number;
  flushTimeSeconds?: number;
  capacityBytes?: number;
  allocationBytes?: number;
}

export interface NetStat {
  device: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors?: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors?: number;
  txDrops: number;
}

export interface PerfStat {
  cacheMisses?: number;
  cacheReferences?: number;
  instructions?: number;
  cpuCycles?: number;
}

export interface VmStats {
  name: string;
  uuid: string;
  state: VmState;
  /** Cumulative CPU time in seconds. */
  cpu?: { totalSeconds: number; userSeconds?: number; systemSeconds?: number };
  vcpu?: { current: number; maximum: number; perVcpu: VcpuStat[] };
  balloon?: BalloonStat;
  blocks?: BlockStat[];
  nets?: NetStat[];
  /** Memory dirty rate in bytes/second, when the hypervisor measured it. */
  dirtyRateBytesPerSecond?: number;
  perf?: PerfStat;
}

/** Stat groups, after libvirt's `virDomainStatsTypes`. `state` is always collected. */
export type StatGroup = 'state' | 'cpu' | 'vcpu' | 'balloon' | 'block' | 'net' | 'perf' | 'dirtyrate';
export const ALL_STAT_GROUPS: readonly StatGroup[] = [
  'state',
  'cpu',
  'vcpu',
  'balloon',
  'block',
  'net',
  'perf',
  'dirtyrate',
];

export interface StatsOptions extends CallOptions {
  /** Which groups to read; default: all. */
  groups?: readonly StatGroup[];
}

export interface HostStats {
  host: string;
  /** When the stats were read, milliseconds since the epoch (the adapter's clock). */
  collectedAtMs: number;
  vms: VmStats[];
}

export interface CpuCap {
  /** CFS period in microseconds (1000..1000000). */
  periodUs: number;
  /** CFS quota per vCPU in microseconds; -1 = no cap. */
  quotaUs: number;
}

export interface BlockIoTune {
  totalBytesSec?: number;
  readBytesSec?: number;
  writeBytesSec?: number;
  totalIopsSec?: number;
  readIopsSec?: number;
  writeIopsSec?: number;
}

export interface NetBandwidth {
  /** Average inbound rate in bytes/second (0 = unlimited). */
  inboundBytesSec?: number;
  /** Average outbound rate in bytes/second (0 = unlimited). */
  outboundBytesSec?: number;
}

export interface MigrationTarget {
  /** Destination host name (as listed by `listHosts`). */
  host: string;
  /** Destination connection URI (libvirt: the URI the source libvirtd connects to, peer to peer). */
  uri: string;
}

/** Progress of a running migration (defined with the tuning event: core/model/migration-progress.ts). */
export type { MigrationProgress };

export interface MigrationOptions extends CallOptions {
  /** Live (pre-copy) migration; default true. */
  live?: boolean;
  /** Bandwidth limit in bytes/second (0 = unlimited). */
  bandwidthBytesSec?: number;
  /** Maximum tolerable downtime in milliseconds. */
  maxDowntimeMs?: number;
  /** Called with job stats while the migration runs. */
  onProgress?: (p: MigrationProgress) => void;
}

export interface MigrationResult {
  vm: string;
  from: string;
  to: string;
  durationSeconds: number;
  downtimeMs?: number;
  transferredBytes?: number;
  iterations?: number;
}

/** Whether a host's connection is up (ports that aggregate reconnecting URIs: connect.ts). */
export interface HostReachability {
  /** The host's name (while its URI was never connected: the name the URI implies). */
  host: string;
  uri: string;
  up: boolean;
  /** When it last went up or down (ms since the epoch), when known. */
  sinceMs?: number;
  /** While down: why. */
  error?: string;
}

export interface HypervisorPort {
  /** URI this port was opened with. */
  readonly uri: string;

  // ---- Required ---------------------------------------------------------------------
  /** Hosts reachable through this connection. */
  listHosts(opts?: CallOptions): Promise<HostInfo[]>;
  /** Host facts; rejects `not_found` for an unknown host. */
  getHostInfo(host: string, opts?: CallOptions): Promise<HostInfo>;
  /** All VMs defined on `host` (running or not). */
  listVms(host: string, opts?: CallOptions): Promise<VmInfo[]>;
  /** One VM; rejects `not_found`. */
  getVm(ref: VmRef, opts?: CallOptions): Promise<VmInfo>;
  /**
   * Stats of every VM on `host` in ONE bulk read (libvirt: virConnectGetAllDomainStats with
   * NOWAIT), never one call per VM. Groups the backend lacks are left out of the result.
   */
  getStats(host: string, opts?: StatsOptions): Promise<HostStats>;
  /** Sets the balloon target of a running VM (bytes, ≤ maxMemoryBytes). */
  setMemory(ref: VmRef, bytes: number, opts?: CallOptions): Promise<void>;
  /** Sets the number of active vCPUs (≤ the VM's maximum). */
  setVcpus(ref: VmRef, count: number, opts?: CallOptions): Promise<void>;
  suspend(ref: VmRef, opts?: CallOptions): Promise<void>;
  resume(ref: VmRef, opts?: CallOptions): Promise<void>;
  start(ref: VmRef, opts?: CallOptions): Promise<void>;
  /** Stops a VM: graceful shutdown, or hard power-off with `force`. */
  stop(ref: VmRef, opts?: CallOptions & { force?: boolean }): Promise<void>;
  /** Releases connections; further calls reject `unreachable`. */
  close(): Promise<void>;

  // ---- Optional (may reject `unsupported`) -----------------------------------------
  /** Current CPU weight (shares) and cap. */
  getCpuTune(ref: VmRef, opts?: CallOptions): Promise<{ shares: number; cap: CpuCap }>;
  setCpuShares(ref: VmRef, shares: number, opts?: CallOptions): Promise<void>;
  setCpuCap(ref: VmRef, cap: CpuCap, opts?: CallOptions): Promise<void>;
  /** Pins vCPU `vcpu` to the given physical CPUs. */
  pinVcpu(ref: VmRef, vcpu: number, cpus: readonly number[], opts?: CallOptions): Promise<void>;
  setBlockIoTune(ref: VmRef, device: string, tune: BlockIoTune, opts?: CallOptions): Promise<void>;
  setNetBandwidth(ref: VmRef, device: string, bw: NetBandwidth, opts?: CallOptions): Promise<void>;
  /** Saves a VM's memory to `path` and stops it. */
  save(ref: VmRef, path: string, opts?: CallOptions): Promise<void>;
  /** Restores a VM saved at `path` on `host`. */
  restore(host: string, path: string, opts?: CallOptions): Promise<void>;
  /** Live-migrates a VM; resolves when it runs on the target, rejects if it failed or timed out (aborting the job). */
  migrate(ref: VmRef, target: MigrationTarget, opts?: MigrationOptions): Promise<MigrationResult>;
  /** Progress of the VM's current job (migration), or null when none runs. */
  getJobProgress(ref: VmRef, opts?: CallOptions): Promise<MigrationProgress | null>;
  /** Aborts the VM's current job. */
  abortJob(ref: VmRef, opts?: CallOptions): Promise<void>;

  // ---- Optional, and absent on ports that predate them (issue 13: restarts) -------------
  /**
   * The VM's persistent definition (libvirt: its inactive domain XML), kept while its host
   * is alive so the VM can be started elsewhere if the host fails.
   */
  getDefinition?(ref: VmRef, opts?: CallOptions): Promise<string>;
  /**
   * Defines a VM on `host` from a definition `getDefinition` returned (shut off; libvirt:
   * virDomainDefineXML, which redefines a domain of the same name and UUID); resolves with
   * its name.
   */
  define?(host: string, definition: string, opts?: CallOptions): Promise<string>;

  // ---- Optional, on ports that aggregate URIs (connect.ts) --------------------------------
  /**
   * Every host of every URI, reachable or not: `listHosts` lists only the reachable ones,
   * so a caller that must hold the others (the autoscaler) reads them here.
   */
  reachability?(): HostReachability[];
}
