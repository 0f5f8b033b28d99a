// The simulated cluster: hosts and VMs of a scenario, advanced in discrete steps.
//
// Time is always passed in (`advanceTo(ms)`); nothing here reads a clock. The model keeps
// cumulative counters (CPU time, block and network bytes, app requests/responses, …) that
// grow with model time, so rates computed from them are physical. Workload traces are
// evaluated at "trace time" = elapsed model time × speed (the demo plays traces faster
// while counters stay in clock time). Every control the hypervisor port offers is a
// method here; the adapter, the runner and the baselines all drive this one model.
import type { BlockIoTune, CpuCap, NetBandwidth, VmState } from '../hypervisor/port';
import type { VmPriority } from '../model/priority';
import { cpuLimitCores, proportionalShare } from './cpu';
import { MIGRATION_CALIBRATION, type MigrationProfile } from '../model/precopy-calibration';
import { dirtiedBytes, roundZeroBytes, stopAndCopyNext, streamBandwidth } from '../model/precopy';
import { MIGRATION_CPU_COST, migrationSlowdown } from '../model/migration-overhead';
import { deriveSeed, mulberry32 } from './prng';
import type { HostSpec, Scenario, SimWorkload, VmSpec, WebSpec } from './scenario';
import { compileTrace, type Trace } from './traces';
import { swapFactor, webStep, type Cohort } from './web';

const PACKET_BYTES = 1000;
/** An idle guest still dirties this share of its profile's rate (kernel background writes). */
const DIRTY_FLOOR = 0.1;
const BLOCK_OP_BYTES = 64 * 1024;

export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: 'not_found' | 'invalid' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/** Migration characteristics of each workload kind (seed 004 Table 1 profiles). */
export const WORKLOAD_PROFILE: Record<SimWorkload, MigrationProfile> = {
  web: MIGRATION_CALIBRATION.WEBBENCH,
  cpu: MIGRATION_CALIBRATION['SPEC-CPU'],
  'memory-dirty': MIGRATION_CALIBRATION.OLTP,
  disk: MIGRATION_CALIBRATION.IOZONE,
  net: MIGRATION_CALIBRATION.WEBBENCH,
  mixed: MIGRATION_CALIBRATION['SPEC-jbb'],
};

export interface SimHost {
  name: string;
  cpus: number;
  mhz: number;
  memoryBytes: number;
  reservedBytes: number;
  diskBandwidth: number;
  netBandwidth: number;
  maintenance: boolean;
  /** The operator leaves it alone (scenario `ignored`). */
  ignored: boolean;
  /** The host failed (scenario `hostFailures`): unreachable, its VMs gone until it recovers. */
  failed: boolean;
  /** Cumulative CPU seconds by mode (user, system, idle). */
  cpuSeconds: { user: number; system: number; idle: number };
  /** Integral of used cores over time (for averages between two reads). */
  usedCoreSeconds: number;
  /** Last step's view. */
  last: {
    usedCores: number;
    guestMemoryBytes: number;
    diskBytesPerSecond: number;
    netBytesPerSecond: number;
  };
  /** Integrals for observations: memory in use × s, disk bytes, net bytes. */
  memByteSeconds: number;
  diskBytes: number;
  netBytes: number;
}

export interface VmCounters {
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  vcpuSeconds: number[];
  /** Run-queue wait per vCPU: wanted (up to one core each) but not given (libvirt `vcpu.N.delay`). */
  vcpuDelaySeconds: number[];
  cpuDemandSeconds: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  blockReadOps: number;
  blockWriteOps: number;
  blockReadSeconds: number;
  blockWriteSeconds: number;
  netRxBytes: number;
  netTxBytes: number;
  netRxPackets: number;
  netTxPackets: number;
  netRxDrops: number;
  netTxDrops: number;
  /** Integral of the working set over time (byte-seconds). */
  workingSetByteSeconds: number;
  /** Integral of the memory the guest holds in host RAM (byte-seconds): what RSS/balloon stats show. */
  residentByteSeconds: number;
  dirtiedBytes: number;
  appRequests: number;
  appResponses: number;
  appDropped: number;
  /** Σ response time over responses (seconds). */
  appResponseTimeSum: number;
  /** Seconds during which the VM missed its SLA. */
  slaViolationSeconds: number;
  /** Seconds the VM spent paused by migrations (downtime). */
  downtimeSeconds: number;
  instructions: number;
  cycles: number;
  cacheReferences: number;
  cacheMisses: number;
}

export interface MigrationJob {
  vm: string;
  from: string;
  to: string;
  startedAtMs: number;
  /** Index of the round in progress (0 = full copy). */
  round: number;
  roundBytes: number;
  roundSent: number;
  roundElapsed: number;
  stopAndCopy: boolean;
  transferredBytes: number;
  elapsedSeconds: number;
  downtimeSeconds: number;
  bandwidthLimit: number;
  maxDowntimeSeconds?: number;
  lastBandwidth: number;
  lastDirtyRate: number;
  state: 'running' | 'completed' | 'aborted';
  finishedAtMs?: number;
}

export interface SimVm {
  name: string;
  uuid: string;
  host: string;
  workload: SimWorkload;
  state: VmState;
  vcpus: number;
  maxVcpus: number;
  maxMemoryBytes: number;
  balloonBytes: number;
  shares: number;
  cap: CpuCap;
  pins: Map<number, number[]>;
  disks: string[];
  nics: string[];
  blockTune: Map<string, BlockIoTune>;
  netTune: Map<string, NetBandwidth>;
  group?: string;
  /** Priority from the domain's metadata (scenario `priority`). */
  priority?: VmPriority;
  /** The operator excluded it in the domain's metadata (scenario `exclude`). */
  exclude?: boolean;
  /** Hosts the domain's metadata pins it to (scenario `pinnedHosts`). */
  pinnedHosts?: string[];
  web?: WebSpec & { cohorts: Cohort[]; responseTargetSeconds: number };
  traces: Partial<Record<keyof VmSpec['demand'], Trace>>;
  profile: MigrationProfile;
  counters: VmCounters;
  /** Web VMs: [response time, requests] of what the last step served (per request, not a mean). */
  servedSamples: [number, number][];
  /** Last step's view (rates per second). */
  last: {
    cpuDemandCores: number;
    cpuUsedCores: number;
    workingSetBytes: number;
    dirtyRate: number;
    diskBytesPerSecond: number;
    netRxBytesPerSecond: number;
    netTxBytesPerSecond: number;
    requestsPerSecond: number;
    responsesPerSecond: number;
    responseTimeSeconds: number;
    violating: boolean;
  };
  job?: MigrationJob;
}

function emptyCounters(vcpus: number): VmCounters {
  return {
    cpuSeconds: 0,
    userSeconds: 0,
    systemSeconds: 0,
    vcpuSeconds: new Array<number>(vcpus).fill(0),
    vcpuDelaySeconds: new Array<number>(vcpus).fill(0),
    cpuDemandSeconds: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
    blockReadOps: 0,
    blockWriteOps: 0,
    blockReadSeconds: 0,
    blockWriteSeconds: 0,
    netRxBytes: 0,
    netTxBytes: 0,
    netRxPackets: 0,
    netTxPackets: 0,
    netRxDrops: 0,
    netTxDrops: 0,
    workingSetByteSeconds: 0,
    residentByteSeconds: 0,
    dirtiedBytes: 0,
    appRequests: 0,
    appResponses: 0,
    appDropped: 0,
    appResponseTimeSum: 0,
    slaViolationSeconds: 0,
    downtimeSeconds: 0,
    instructions: 0,
    cycles: 0,
    cacheReferences: 0,
    cacheMisses: 0,
  };
}

/** Deterministic RFC-4122-shaped UUID from the scenario seed and a name. */
export function simUuid(seed: number, name: string): string {
  const rng = mulberry32(deriveSeed(seed, `uuid:${name}`));
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Completed migration, as the model reports it to whoever drives it. */
export interface MigrationRecord {
  vm: string;
  from: string;
  to: string;
  startedAtMs: number;
  finishedAtMs: number;
  durationSeconds: number;
  downtimeSeconds: number;
  transferredBytes: number;
  rounds: number;
  result: 'completed' | 'aborted';
}

export class SimCluster {
  readonly hosts = new Map<string, SimHost>();
  readonly vms = new Map<string, SimVm>();
  /** Model time in ms since the epoch. */
  nowMs: number;
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly speed: number;
  readonly migrations: MigrationRecord[] = [];
  private readonly slaResponseTarget: number;
  private readonly slaDeliveredFraction: number;
  /** Indexes of scenario.hostFailures whose failure / recovery has happened. */
  private readonly failuresDone = new Set<number>();
  private readonly recoveriesDone = new Set<number>();

  constructor(
    readonly scenario: Scenario,
    opts: { startMs: number; speed?: number; seed?: number },
  ) {
    this.startMs = opts.startMs;
    this.nowMs = opts.startMs;
    this.speed = opts.speed ?? 1;
    this.stepSeconds = scenario.stepSeconds;
    this.slaResponseTarget = scenario.sla.responseTimeSeconds;
    this.slaDeliveredFraction = scenario.sla.deliveredFraction;
    const seed = opts.seed ?? scenario.seed;
    for (const h of scenario.hosts) this.hosts.set(h.name, newHost(h));
    for (const v of scenario.vms) this.vms.set(v.name, this.newVm(v, seed));
  }

  private newVm(v: VmSpec, seed: number): SimVm {
    const traces: SimVm['traces'] = {};
    for (const [k, spec] of Object.entries(v.demand)) {
      if (spec !== undefined)
        traces[k as keyof VmSpec['demand']] = compileTrace(spec, seed, `${v.name}/${k}`);
    }
    const web = v.workload === 'web' ? (v.web ?? webDefaults()) : undefined;
    return {
      name: v.name,
      uuid: simUuid(seed, v.name),
      host: v.host,
      workload: v.workload,
      state: v.state,
      vcpus: v.vcpus,
      maxVcpus: v.maxVcpus ?? v.vcpus,
      maxMemoryBytes: v.memory,
      balloonBytes: v.balloon ?? v.memory,
      shares: v.shares,
      cap: { periodUs: 100000, quotaUs: -1 },
      pins: new Map(),
      disks: ['vda'],
      nics: ['vnet0'],
      blockTune: new Map(),
      netTune: new Map(),
      group: v.group,
      ...(v.priority ? { priority: { ...v.priority } } : {}),
      ...(v.exclude !== undefined ? { exclude: v.exclude } : {}),
      ...(v.pinnedHosts ? { pinnedHosts: [...v.pinnedHosts] } : {}),
      web: web && {
        ...web,
        cohorts: [],
        responseTargetSeconds: web.responseTargetSeconds ?? this.slaResponseTarget,
      },
      traces,
      profile: WORKLOAD_PROFILE[v.workload],
      counters: emptyCounters(v.maxVcpus ?? v.vcpus),
      servedSamples: [],
      last: {
        cpuDemandCores: 0,
        cpuUsedCores: 0,
        workingSetBytes: 0,
        dirtyRate: 0,
        diskBytesPerSecond: 0,
        netRxBytesPerSecond: 0,
        netTxBytesPerSecond: 0,
        requestsPerSecond: 0,
        responsesPerSecond: 0,
        responseTimeSeconds: 0,
        violating: false,
      },
    };
  }

  // ---- lookups -----------------------------------------------------------------------

  host(name: string): SimHost {
    const h = this.hosts.get(name);
    if (!h) throw new SimError('not_found', `unknown host "${name}"`);
    return h;
  }

  /** A VM by name; with `host`, only if it lives there. */
  vm(name: string, host?: string): SimVm {
    const v = this.vms.get(name);
    if (!v || (host !== undefined && v.host !== host))
      throw new SimError('not_found', `no VM "${name}"${host ? ` on host "${host}"` : ''}`);
    return v;
  }

  /**
   * Host → its VMs in definition order, rebuilt after a VM changes host (`placeVm`): vmsOn
   * runs for every host in every step, and scanning all VMs each time made a step cost
   * hosts × VMs (13 s per scrape of a 100-host, 2,000-VM slice in the scale bench).
   */
  private byHost: Map<string, SimVm[]> | undefined;

  vmsOn(host: string): SimVm[] {
    if (!this.byHost) {
      this.byHost = new Map();
      for (const v of this.vms.values()) {
        const list = this.byHost.get(v.host);
        if (list) list.push(v);
        else this.byHost.set(v.host, [v]);
      }
    }
    return [...(this.byHost.get(host) ?? [])];
  }

  /** Moves a VM's residence to `host` (a migration's end, a restore, a definition). */
  placeVm(vm: SimVm, host: string): void {
    vm.host = host;
    this.byHost = undefined;
  }

  /** Seconds of scenario time at which traces are read now. */
  traceSeconds(ms = this.nowMs): number {
    return ((ms - this.startMs) / 1000) * this.speed;
  }

  elapsedSeconds(): number {
    return (this.nowMs - this.startMs) / 1000;
  }

  /**
   * Host memory a VM's guest really holds: what it touched, min(working set, balloon) — KVM
   * backs guest RAM lazily and a balloon is a ceiling, not an allocation (the same count as
   * the host-overcommit physics in stepHost and core/model/footprint.ts). A paused VM keeps
   * its whole balloon (stepHost counts it so).
   */
  residentMemory(v: SimVm): number {
    if (v.state === 'shutoff' || v.state === 'crashed') return 0;
    if (v.state === 'paused') return v.balloonBytes;
    return Math.min(v.last.workingSetBytes, v.balloonBytes);
  }

  /**
   * Memory in use on a host: resident memory of its VMs and of the VMs migrating to it —
   * what a real host's MemFree leaves out (the libvirt adapter reports free + buffers +
   * cached from virNodeGetMemoryStats).
   */
  committedMemory(host: string): number {
    let sum = 0;
    for (const v of this.vms.values())
      if (v.host === host || v.job?.to === host) sum += this.residentMemory(v);
    return sum;
  }

  guestMemoryCapacity(host: string): number {
    const h = this.host(host);
    return h.memoryBytes - h.reservedBytes;
  }

  freeMemory(host: string): number {
    return this.guestMemoryCapacity(host) - this.committedMemory(host);
  }

  // ---- controls (what the hypervisor port can do) ------------------------------------

  setShares(vm: SimVm, shares: number): void {
    if (!Number.isInteger(shares) || shares < 2 || shares > 262144)
      throw new SimError('invalid', `CPU shares must be an integer in 2..262144, got ${shares}`);
    vm.shares = shares;
  }

  setCap(vm: SimVm, cap: CpuCap): void {
    if (!Number.isInteger(cap.periodUs) || cap.periodUs < 1000 || cap.periodUs > 1000000)
      throw new SimError('invalid', `CFS period must be in 1000..1000000 µs, got ${cap.periodUs}`);
    if (cap.quotaUs !== -1 && (!Number.isInteger(cap.quotaUs) || cap.quotaUs < 1000))
      throw new SimError('invalid', `CFS quota must be -1 or ≥ 1000 µs, got ${cap.quotaUs}`);
    vm.cap = { periodUs: cap.periodUs, quotaUs: cap.quotaUs };
  }

  /**
   * Sets the balloon (≤ the maximum). Like KVM, the host may be overcommitted: balloons
   * may add up to more than its memory; then the guests' resident memory no longer fits
   * and every VM on the host pays the swap penalty for its share of the excess (stepHost).
   */
  setMemory(vm: SimVm, bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0 || bytes > vm.maxMemoryBytes)
      throw new SimError('invalid', `memory must be in 1..${vm.maxMemoryBytes} bytes, got ${bytes}`);
    vm.balloonBytes = Math.floor(bytes);
  }

  setVcpus(vm: SimVm, count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > vm.maxVcpus)
      throw new SimError('invalid', `vCPU count must be in 1..${vm.maxVcpus}, got ${count}`);
    vm.vcpus = count;
  }

  pin(vm: SimVm, vcpu: number, cpus: readonly number[]): void {
    const h = this.host(vm.host);
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= vm.maxVcpus)
      throw new SimError('invalid', `vCPU ${vcpu} does not exist (VM has ${vm.maxVcpus})`);
    if (cpus.length === 0) throw new SimError('invalid', 'pinning needs at least one CPU');
    for (const c of cpus)
      if (!Number.isInteger(c) || c < 0 || c >= h.cpus)
        throw new SimError('invalid', `CPU ${c} does not exist on host "${h.name}" (${h.cpus} CPUs)`);
    if (cpus.length === h.cpus) vm.pins.delete(vcpu);
    else
      vm.pins.set(
        vcpu,
        [...new Set(cpus)].sort((a, b) => a - b),
      );
  }

  setBlockTune(vm: SimVm, device: string, tune: BlockIoTune): void {
    if (!vm.disks.includes(device))
      throw new SimError('not_found', `VM "${vm.name}" has no disk "${device}"`);
    for (const [k, val] of Object.entries(tune))
      if (val !== undefined && (!Number.isFinite(val) || val < 0))
        throw new SimError('invalid', `${k} must be ≥ 0, got ${val}`);
    vm.blockTune.set(device, { ...tune });
  }

  setNetTune(vm: SimVm, device: string, bw: NetBandwidth): void {
    if (!vm.nics.includes(device))
      throw new SimError('not_found', `VM "${vm.name}" has no interface "${device}"`);
    for (const [k, val] of Object.entries(bw))
      if (val !== undefined && (!Number.isFinite(val) || val < 0))
        throw new SimError('invalid', `${k} must be ≥ 0, got ${val}`);
    vm.netTune.set(device, { ...bw });
  }

  setState(vm: SimVm, to: 'running' | 'paused' | 'shutoff'): void {
    if (vm.job?.state === 'running') throw new SimError('failed', `VM "${vm.name}" is migrating`);
    const from = vm.state;
    const ok =
      (to === 'paused' && from === 'running') ||
      (to === 'running' && (from === 'paused' || from === 'shutoff')) ||
      (to === 'shutoff' && from !== 'shutoff');
    if (!ok) throw new SimError('invalid', `VM "${vm.name}" is ${from}, cannot go ${to}`);
    if (from === 'shutoff' && to === 'running' && vm.balloonBytes > this.freeMemory(vm.host))
      throw new SimError('failed', `host "${vm.host}" lacks memory to start VM "${vm.name}"`);
    if (to === 'shutoff' && vm.web) vm.web.cohorts = [];
    vm.state = to;
  }

  /** Starts a pre-copy live migration; the model carries it forward step by step. */
  startMigration(
    vm: SimVm,
    to: string,
    opts: { bandwidthBytesPerSecond?: number; maxDowntimeMs?: number } = {},
  ): MigrationJob {
    const dest = this.host(to);
    if (vm.host === to) throw new SimError('invalid', `VM "${vm.name}" already runs on "${to}"`);
    if (vm.state !== 'running' && vm.state !== 'paused')
      throw new SimError('invalid', `VM "${vm.name}" is ${vm.state}; only a running VM migrates live`);
    if (vm.job?.state === 'running') throw new SimError('failed', `VM "${vm.name}" is already migrating`);
    if (dest.maintenance) throw new SimError('failed', `host "${to}" is in maintenance`);
    // No memory check, as with KVM's default overcommit: the destination allocates guest
    // RAM lazily; if it ends up overcommitted, its guests pay the swap penalty (stepHost).
    const engine = this.scenario.migration;
    const limit =
      opts.bandwidthBytesPerSecond && opts.bandwidthBytesPerSecond > 0
        ? opts.bandwidthBytesPerSecond
        : Infinity;
    vm.job = {
      vm: vm.name,
      from: vm.host,
      to,
      startedAtMs: this.nowMs,
      round: 0,
      // Round 0 copies what the guest has touched (its working set within its balloon), as
      // the planner's estimate copies the VM's footprint (core/model/precopy.ts); before the
      // first step no working set is known (0), so the whole balloon.
      roundBytes: roundZeroBytes(vm.balloonBytes, vm.last.workingSetBytes || undefined),
      roundSent: 0,
      roundElapsed: 0,
      stopAndCopy: false,
      transferredBytes: 0,
      elapsedSeconds: 0,
      downtimeSeconds: 0,
      bandwidthLimit: Math.min(limit, engine.bandwidthBytesPerSecond),
      maxDowntimeSeconds: opts.maxDowntimeMs !== undefined ? opts.maxDowntimeMs / 1000 : undefined,
      lastBandwidth: 0,
      lastDirtyRate: 0,
      state: 'running',
    };
    return vm.job;
  }

  abortMigration(vm: SimVm): void {
    const job = vm.job;
    if (!job || job.state !== 'running') throw new SimError('invalid', `VM "${vm.name}" has no job to abort`);
    job.state = 'aborted';
    job.finishedAtMs = this.nowMs;
    this.recordMigration(job, vm);
  }

  private recordMigration(job: MigrationJob, vm: SimVm): void {
    this.migrations.push({
      vm: vm.name,
      from: job.from,
      to: job.to,
      startedAtMs: job.startedAtMs,
      finishedAtMs: job.finishedAtMs ?? this.nowMs,
      durationSeconds: job.elapsedSeconds,
      downtimeSeconds: job.downtimeSeconds,
      transferredBytes: job.transferredBytes,
      rounds: job.round + 1,
      result: job.state === 'completed' ? 'completed' : 'aborted',
    });
  }

  // ---- physics -----------------------------------------------------------------------

  /** Advances the model to `ms` in steps of `stepSeconds` (the last one may be shorter). */
  advanceTo(ms: number): void {
    const stepMs = this.stepSeconds * 1000;
    while (ms - this.nowMs > 1e-6) {
      const dtMs = Math.min(stepMs, ms - this.nowMs);
      this.step(dtMs / 1000);
      this.nowMs += dtMs;
    }
  }

  /** One step of `dt` seconds starting at nowMs. */
  step(dt: number): void {
    const tt = this.traceSeconds();
    this.applyHostFailures(tt);
    const paused = this.advanceMigrations(dt);
    // Running migrations, once per step (not a scan of every VM for every host).
    const migrating = [...this.vms.values()].filter((v) => v.job?.state === 'running');
    for (const h of this.hosts.values()) this.stepHost(h, dt, tt, paused, migrating);
  }

  /**
   * Scenario host failures due at trace time `tt`: a failing host aborts the migrations to
   * or from it and its VMs crash (they serve nothing); a recovering host comes back with
   * its VMs shut off — the stale definitions a rebooted host still has.
   */
  private applyHostFailures(tt: number): void {
    this.scenario.hostFailures.forEach((f, i) => {
      const h = this.host(f.host);
      if (!this.failuresDone.has(i) && tt >= f.atSeconds) {
        this.failuresDone.add(i);
        h.failed = true;
        for (const v of this.vms.values()) {
          const job = v.job;
          if (job?.state === 'running' && (job.from === h.name || job.to === h.name)) this.abortMigration(v);
          if (v.host !== h.name) continue;
          if (v.web) v.web.cohorts = [];
          v.state = 'crashed';
        }
      }
      if (f.recoverAtSeconds !== undefined && !this.recoveriesDone.has(i) && tt >= f.recoverAtSeconds) {
        this.recoveriesDone.add(i);
        h.failed = false;
        for (const v of this.vmsOn(h.name)) if (v.state === 'crashed') v.state = 'shutoff';
      }
    });
  }

  /** Moves migration jobs forward; returns, per VM, the seconds it was paused (stop-and-copy). */
  private advanceMigrations(dt: number): Map<string, number> {
    const paused = new Map<string, number>();
    // Concurrent migrations share the source's outbound and the destination's inbound NIC.
    const sending = new Map<string, number>();
    const receiving = new Map<string, number>();
    for (const vm of this.vms.values()) {
      const job = vm.job;
      if (!job || job.state !== 'running') continue;
      sending.set(job.from, (sending.get(job.from) ?? 0) + 1);
      receiving.set(job.to, (receiving.get(job.to) ?? 0) + 1);
    }
    for (const vm of this.vms.values()) {
      const job = vm.job;
      if (!job || job.state !== 'running') continue;
      const src = this.host(job.from);
      const dst = this.host(job.to);
      const engine = this.scenario.migration;
      // The migration stream shares the NICs with the other migrations on them and competes
      // with the guest's own traffic.
      const bw = streamBandwidth(
        Math.min(
          job.bandwidthLimit,
          src.netBandwidth / (sending.get(job.from) ?? 1),
          dst.netBandwidth / (receiving.get(job.to) ?? 1),
        ),
        vm.last.netTxBytesPerSecond,
      );
      const dirty = vm.state === 'running' ? this.dirtyRate(vm) : 0;
      job.lastBandwidth = bw;
      job.lastDirtyRate = dirty;
      let left = dt;
      let pausedHere = 0;
      while (left > 1e-12 && job.state === 'running') {
        const need = (job.roundBytes - job.roundSent) / bw;
        const used = Math.min(need, left);
        job.roundSent += used * bw;
        job.roundElapsed += used;
        job.transferredBytes += used * bw;
        job.elapsedSeconds += used;
        left -= used;
        if (job.stopAndCopy) {
          job.downtimeSeconds += used;
          pausedHere += used;
        }
        if (need > used) break;
        if (job.stopAndCopy) {
          this.completeMigration(vm, job, dt - left);
          break;
        }
        // Next round: the pages dirtied while this one was sent (bounded by memory).
        const next = dirtiedBytes(dirty, job.roundElapsed, vm.balloonBytes);
        job.round += 1;
        job.roundBytes = next;
        job.roundSent = 0;
        job.roundElapsed = 0;
        const engineNow = { ...engine, maxDowntimeSeconds: job.maxDowntimeSeconds };
        if (stopAndCopyNext(next, job.round, bw, engineNow).stop) job.stopAndCopy = true;
      }
      if (pausedHere > 0) paused.set(vm.name, pausedHere);
    }
    return paused;
  }

  private completeMigration(vm: SimVm, job: MigrationJob, atOffsetSeconds: number): void {
    job.state = 'completed';
    job.finishedAtMs = this.nowMs + atOffsetSeconds * 1000;
    this.placeVm(vm, job.to);
    // Pins name CPUs of the old host; the destination starts unpinned.
    vm.pins.clear();
    this.recordMigration(job, vm);
  }

  /**
   * Current dirty rate of a VM: its trace, else its workload's Table 1 profile rate scaled
   * by how busy the guest is (Table 1 ran each benchmark flat out, i.e. all its vCPUs busy;
   * a guest writes memory as it works, so an idle one dirties little: never below
   * DIRTY_FLOOR of the profile rate, for its kernel's background writes). Never more than
   * its whole memory per second.
   */
  dirtyRate(vm: SimVm): number {
    const tr = vm.traces.dirtyRate;
    if (tr) return tr(this.traceSeconds());
    const busy = Math.min(1, vm.last.cpuUsedCores / Math.max(1, vm.vcpus));
    return Math.min(vm.profile.dirtyRateBytesPerSecond * Math.max(DIRTY_FLOOR, busy), vm.balloonBytes);
  }

  private stepHost(
    h: SimHost,
    dt: number,
    tt: number,
    paused: Map<string, number>,
    migrating: readonly SimVm[],
  ): void {
    if (h.failed) {
      for (const v of this.vmsOn(h.name)) this.unserved(v, dt, tt);
      h.cpuSeconds.idle += h.cpus * dt;
      h.last = { usedCores: 0, guestMemoryBytes: 0, diskBytesPerSecond: 0, netBytesPerSecond: 0 };
      return;
    }
    const vms = this.vmsOn(h.name).filter((v) => v.state === 'running');
    // Migration overhead on this host (as source or destination).
    let migrationCores = 0;
    let migrationTx = 0;
    let migrationRx = 0;
    for (const v of migrating) {
      const j = v.job;
      if (!j || j.state !== 'running') continue;
      if (j.from === h.name) {
        migrationCores += MIGRATION_CPU_COST.sourceCores;
        migrationTx += j.lastBandwidth;
      }
      if (j.to === h.name) {
        migrationCores += MIGRATION_CPU_COST.destinationCores;
        migrationRx += j.lastBandwidth;
      }
    }
    // Host-level overcommit: when the guests' resident memory exceeds what the host can
    // give, the excess is swapped by the host, shrinking every guest's RAM in proportion.
    const workingSets = vms.map((v) => this.workingSetOf(v, tt));
    const resident = vms.reduce((a, v, i) => a + Math.min(workingSets[i], v.balloonBytes), 0);
    let pausedMemory = 0;
    for (const v of this.vmsOn(h.name)) if (v.state === 'paused') pausedMemory += v.balloonBytes;
    const room = Math.max(0, h.memoryBytes - h.reservedBytes - pausedMemory);
    const ramScale = resident > room ? room / resident : 1;
    const demands = vms.map((v, i) =>
      this.demandOf(v, dt, tt, paused.get(v.name) ?? 0, workingSets[i], ramScale),
    );
    const cpuAlloc = proportionalShare(
      Math.max(0, h.cpus - migrationCores),
      vms.map((v, i) => ({
        demand: demands[i].cpuCores,
        shares: v.shares,
        limit: cpuLimitCores(v.vcpus, v.cap, pinnedCount(v)) * demands[i].availableFraction,
      })),
    );
    const diskAlloc = proportionalShare(
      h.diskBandwidth,
      vms.map((v, i) => ({ demand: demands[i].disk, shares: 1, limit: blockLimit(v) })),
    );
    const rxAlloc = proportionalShare(
      Math.max(0, h.netBandwidth - migrationRx),
      vms.map((v, i) => ({ demand: demands[i].netRx, shares: 1, limit: netLimit(v, 'in') })),
    );
    const txAlloc = proportionalShare(
      Math.max(0, h.netBandwidth - migrationTx),
      vms.map((v, i) => ({ demand: demands[i].netTx, shares: 1, limit: netLimit(v, 'out') })),
    );
    let used = migrationCores;
    let mem = 0;
    let disk = 0;
    let net = 0;
    vms.forEach((v, i) => {
      const d = demands[i];
      const r = this.applyStep(v, d, dt, h, cpuAlloc[i], diskAlloc[i], rxAlloc[i], txAlloc[i]);
      used += cpuAlloc[i];
      mem += Math.min(d.workingSet, v.balloonBytes) * ramScale;
      disk += r.disk;
      net += r.net;
    });
    // Paused VMs still hold their memory.
    mem += pausedMemory;
    for (const v of this.vms.values())
      if (v.host === h.name && v.state !== 'running') this.unserved(v, dt, tt);
    used = Math.min(used, h.cpus);
    h.cpuSeconds.user += used * dt * 0.85;
    h.cpuSeconds.system += used * dt * 0.15;
    h.cpuSeconds.idle += Math.max(0, h.cpus - used) * dt;
    h.usedCoreSeconds += used * dt;
    h.memByteSeconds += mem * dt;
    h.diskBytes += disk * dt;
    h.netBytes += net * dt;
    h.last = { usedCores: used, guestMemoryBytes: mem, diskBytesPerSecond: disk, netBytesPerSecond: net };
  }

  /**
   * What the scenario says a VM will ask for at trace time `tt` (not what it gets): CPU
   * cores (bounded by its vCPUs), working-set bytes, disk and network bytes/s. Read only by
   * the clairvoyant reference mode (issue 12 item 7) — never by a deployable strategy.
   */
  demandAt(v: SimVm, tt: number): { cpu: number; mem: number; disk: number; net: number } {
    const at = (k: keyof VmSpec['demand'], dflt: number) => v.traces[k]?.(tt) ?? dflt;
    const rps = v.web ? at('requests', 0) : 0;
    const cpu = v.web ? rps * v.web.requestCpuSeconds + at('cpu', 0) : at('cpu', 0.1);
    // As demandOf: a web VM receives 2 KiB per request unless its trace says otherwise.
    const rx = at('netRx', rps * 2048);
    const tx = at('netTx', 0) + (v.web ? rps * v.web.responseBytes : 0);
    return {
      cpu: Math.min(cpu, v.vcpus),
      mem: this.workingSetOf(v, tt),
      disk: at('diskRead', 0) + at('diskWrite', 0),
      net: rx + tx,
    };
  }

  /**
   * A VM that does not run (suspended, saved, stopped, or on a failed host) serves nothing
   * and uses no CPU: its "last" view goes quiet, the requests that reach it are dropped, and
   * while its workload asks for anything it misses its SLA.
   */
  private unserved(v: SimVm, dt: number, tt: number): void {
    quiet(v);
    const want = this.demandAt(v, tt);
    const arrivals = v.web ? (v.traces.requests?.(tt) ?? 0) * dt : 0;
    v.counters.appRequests += arrivals;
    v.counters.appDropped += arrivals;
    v.last = { ...v.last, requestsPerSecond: arrivals / dt, violating: want.cpu > 0 || arrivals > 0 };
    if (v.last.violating) v.counters.slaViolationSeconds += dt;
  }

  /** Working-set memory a VM wants now (web: base + per-request/s; others: their trace). */
  private workingSetOf(v: SimVm, tt: number): number {
    if (v.web) return v.web.baseMemory + v.web.memoryPerRps * (v.traces.requests?.(tt) ?? 0);
    return v.traces.memory ? v.traces.memory(tt) : v.maxMemoryBytes / 2;
  }

  private demandOf(
    v: SimVm,
    dt: number,
    tt: number,
    pausedSeconds: number,
    workingSet: number,
    ramScale: number,
  ): StepDemand {
    const at = (k: keyof VmSpec['demand'], dflt: number) => {
      const tr = v.traces[k];
      return tr ? tr(tt) : dflt;
    };
    // A migrating guest loses the CPU and memory bandwidth dirty-page tracking takes
    // (core/model/migration-overhead.ts), in proportion to its dirty rate over the stream's.
    const job = v.job?.state === 'running' ? v.job : undefined;
    const degrade = job ? 1 / (1 - migrationSlowdown(job.lastDirtyRate, job.lastBandwidth)) : 1;
    const availableFraction = Math.max(0, 1 - pausedSeconds / dt);
    let cpuCores: number;
    let arrivals = 0;
    let cost = 0;
    const swap = swapFactor(workingSet, Math.min(workingSet, v.balloonBytes) * ramScale);
    if (v.web) {
      arrivals = at('requests', 0) * dt;
      cost = v.web.requestCpuSeconds * swap * degrade;
      cpuCores = ((backlogOf(v.web.cohorts) + arrivals) * cost) / dt + at('cpu', 0);
    } else {
      cpuCores = at('cpu', 0.1) * swap * degrade;
    }
    const webTx = v.web ? at('requests', 0) * v.web.responseBytes : 0;
    return {
      cpuCores: Math.min(cpuCores, v.vcpus),
      rawCpuCores: cpuCores,
      workingSet,
      residentBytes: Math.min(workingSet, v.balloonBytes) * ramScale,
      swap,
      degrade,
      arrivals,
      cost,
      availableFraction,
      pausedSeconds,
      diskRead: at('diskRead', 0) * availableFraction,
      diskWrite: at('diskWrite', 0) * availableFraction,
      disk: (at('diskRead', 0) + at('diskWrite', 0)) * availableFraction,
      netRx: at('netRx', v.web ? (arrivals / dt) * 2048 : 0) * availableFraction,
      netTx: (at('netTx', 0) + webTx) * availableFraction,
    };
  }

  private applyStep(
    v: SimVm,
    d: StepDemand,
    dt: number,
    h: SimHost,
    cpu: number,
    disk: number,
    rx: number,
    tx: number,
  ): { disk: number; net: number } {
    const c = v.counters;
    const cpuSec = cpu * dt;
    c.cpuSeconds += cpuSec;
    c.userSeconds += cpuSec * 0.85;
    c.systemSeconds += cpuSec * 0.15;
    c.cpuDemandSeconds += d.rawCpuCores * dt;
    const active = Math.max(1, v.vcpus);
    // What the vCPUs wanted (never more than one core each) while the guest ran, and were
    // not given (host contention, a cap, pinning), waited on the run queue.
    const waitSec = Math.max(0, d.cpuCores * d.availableFraction * dt - cpuSec);
    for (let i = 0; i < active && i < c.vcpuSeconds.length; i++) {
      c.vcpuSeconds[i] += cpuSec / active;
      c.vcpuDelaySeconds[i] += waitSec / active;
    }
    c.workingSetByteSeconds += d.workingSet * dt;
    c.residentByteSeconds += d.residentBytes * dt;
    const dirty = this.dirtyRate(v) * d.availableFraction;
    c.dirtiedBytes += dirty * dt;
    const cycles = cpuSec * h.mhz * 1e6;
    const cacheHeavy = v.workload === 'memory-dirty';
    c.cycles += cycles;
    c.instructions += cycles * (cacheHeavy ? 0.6 : 1.2);
    c.cacheReferences += cycles * 0.02;
    c.cacheMisses += cycles * 0.02 * (cacheHeavy ? 0.45 : 0.05);
    // Block and network I/O delivered in proportion to what was asked.
    const diskFrac = d.disk > 0 ? disk / d.disk : 1;
    const rBytes = d.diskRead * diskFrac * dt;
    const wBytes = d.diskWrite * diskFrac * dt;
    c.blockReadBytes += rBytes;
    c.blockWriteBytes += wBytes;
    c.blockReadOps += rBytes / BLOCK_OP_BYTES;
    c.blockWriteOps += wBytes / BLOCK_OP_BYTES;
    // Block I/O time (libvirt rd.times/wr.times: each request's latency, queueing included).
    // A request takes its bytes / the disk's rate to serve, and the guest keeps in flight the
    // requests its demand implies; when the disk gives it less than it asks they queue. By
    // Little's law the time accrued per second (the requests in flight) is then what it asked
    // / the disk's rate, served or not: service time for what it got, queueing for the rest.
    const perByte = h.diskBandwidth > 0 ? 1 / h.diskBandwidth : 0;
    c.blockReadSeconds += d.diskRead * dt * perByte;
    c.blockWriteSeconds += d.diskWrite * dt * perByte;
    c.netRxBytes += rx * dt;
    c.netTxBytes += tx * dt;
    c.netRxPackets += (rx * dt) / PACKET_BYTES;
    c.netTxPackets += (tx * dt) / PACKET_BYTES;
    c.netRxDrops += (Math.max(0, d.netRx - rx) * dt) / PACKET_BYTES;
    c.netTxDrops += (Math.max(0, d.netTx - tx) * dt) / PACKET_BYTES;
    c.downtimeSeconds += d.pausedSeconds;

    let violating: boolean;
    let requestsPerSecond = 0;
    let responsesPerSecond = 0;
    let responseTimeSeconds = 0;
    if (v.web) {
      v.servedSamples.length = 0;
      const r = webStep({
        cohorts: v.web.cohorts,
        nowSeconds: this.elapsedSeconds(),
        arrivals: d.arrivals,
        cpuSeconds: cpuSec,
        costCpuSeconds: d.cost,
        slowdown: cpu > 0 ? d.cpuCores / cpu : 1,
        dtSeconds: dt,
        queueLimit: v.web.queueLimit,
        servedSamples: v.servedSamples,
      });
      c.appRequests += d.arrivals;
      c.appResponses += r.served;
      c.appDropped += r.dropped;
      c.appResponseTimeSum += r.responseTimeSeconds * r.served;
      requestsPerSecond = d.arrivals / dt;
      responsesPerSecond = r.served / dt;
      responseTimeSeconds = r.responseTimeSeconds;
      violating =
        r.dropped > 0 ||
        (r.served > 0 || r.backlog > 0 ? r.responseTimeSeconds > v.web.responseTargetSeconds : false);
    } else {
      const fractions = [d.rawCpuCores > 0 ? cpu / d.rawCpuCores : 1, diskFrac];
      if (d.netRx + d.netTx > 0) fractions.push((rx + tx) / (d.netRx + d.netTx));
      violating = Math.min(...fractions) < this.slaDeliveredFraction;
    }
    if (violating) c.slaViolationSeconds += dt;
    v.last = {
      cpuDemandCores: d.rawCpuCores,
      cpuUsedCores: cpu,
      workingSetBytes: d.workingSet,
      dirtyRate: dirty,
      diskBytesPerSecond: disk,
      netRxBytesPerSecond: rx,
      netTxBytesPerSecond: tx,
      requestsPerSecond,
      responsesPerSecond,
      responseTimeSeconds,
      violating,
    };
    return { disk, net: rx + tx };
  }
}

interface StepDemand {
  /** CPU demand in cores, bounded by the vCPU count. */
  cpuCores: number;
  /** CPU demand before the vCPU bound. */
  rawCpuCores: number;
  workingSet: number;
  /** What the guest holds in host RAM this step (working set within its balloon, after host swapping). */
  residentBytes: number;
  swap: number;
  degrade: number;
  arrivals: number;
  cost: number;
  availableFraction: number;
  pausedSeconds: number;
  diskRead: number;
  diskWrite: number;
  disk: number;
  netRx: number;
  netTx: number;
}

function backlogOf(cohorts: readonly Cohort[]): number {
  let n = 0;
  for (const c of cohorts) n += c.count;
  return n;
}

function webDefaults(): WebSpec {
  return {
    requestCpuSeconds: 0.02,
    baseMemory: 128 * 1024 ** 2,
    memoryPerRps: 2 * 1024 ** 2,
    queueLimit: 5000,
    responseBytes: 20 * 1024,
  };
}

function newHost(h: HostSpec): SimHost {
  return {
    name: h.name,
    cpus: h.cpus,
    mhz: h.mhz,
    memoryBytes: h.memory,
    reservedBytes: h.reservedMemory,
    diskBandwidth: h.diskBandwidth,
    netBandwidth: h.netBandwidth,
    maintenance: h.maintenance,
    ignored: h.ignored,
    failed: false,
    cpuSeconds: { user: 0, system: 0, idle: 0 },
    usedCoreSeconds: 0,
    last: { usedCores: 0, guestMemoryBytes: 0, diskBytesPerSecond: 0, netBytesPerSecond: 0 },
    memByteSeconds: 0,
    diskBytes: 0,
    netBytes: 0,
  };
}

function quiet(v: SimVm): void {
  v.servedSamples.length = 0;
  v.last = {
    ...v.last,
    cpuDemandCores: 0,
    cpuUsedCores: 0,
    diskBytesPerSecond: 0,
    netRxBytesPerSecond: 0,
    netTxBytesPerSecond: 0,
    responsesPerSecond: 0,
    dirtyRate: 0,
  };
}

/** Distinct physical CPUs the VM's vCPUs are pinned to (undefined: not pinned). */
function pinnedCount(v: SimVm): number | undefined {
  if (v.pins.size === 0) return undefined;
  const set = new Set<number>();
  let unpinned = false;
  for (let i = 0; i < v.vcpus; i++) {
    const p = v.pins.get(i);
    if (p) p.forEach((c) => set.add(c));
    else unpinned = true;
  }
  return unpinned ? undefined : set.size;
}

function blockLimit(v: SimVm): number {
  let limit = Infinity;
  for (const t of v.blockTune.values()) {
    if (t.totalBytesSec) limit = Math.min(limit, t.totalBytesSec);
  }
  return limit;
}

function netLimit(v: SimVm, dir: 'in' | 'out'): number {
  let limit = Infinity;
  for (const t of v.netTune.values()) {
    const x = dir === 'in' ? t.inboundBytesSec : t.outboundBytesSec;
    if (x) limit = Math.min(limit, x);
  }
  return limit;
}
