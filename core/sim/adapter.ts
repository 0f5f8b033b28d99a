// The simulated-cluster adapter of the HypervisorPort (`sim://SCENARIO`). One port holds
// every host of the scenario. Before answering, each call advances the model to the
// port's clock (PortOptions.clock, default Date.now), so rates read from its counters are
// physical; `speed` plays the workload traces faster than the clock. Migrations take
// model time (pre-copy), so `migrate` resolves once the clock has moved far enough.
import { readFile, writeFile } from 'node:fs/promises';
import type { PortOptions } from '../hypervisor/port-options';
import { HypervisorError, withDeadline } from '../hypervisor/errors';
import {
  ALL_STAT_GROUPS,
  type BlockIoTune,
  type CallOptions,
  type CpuCap,
  type HostInfo,
  type HostStats,
  type HypervisorPort,
  type MigrationOptions,
  type MigrationProgress,
  type MigrationResult,
  type MigrationTarget,
  type NetBandwidth,
  type StatsOptions,
  type VmInfo,
  type VmRef,
  type VmStats,
} from '../hypervisor/port';
import type { ClusterSnapshot } from '../model/snapshot';
import type { AppStat, AppStatsSource } from './app-stats';
import { SimDriver } from './driver';
import { loadScenario, ScenarioError } from './loader';
import { SimError, type MigrationJob, type SimCluster, type SimVm } from './model';
import { balloonReading, reportedFreeMemory } from './readings';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Real-time poll interval while waiting for a migration to finish in model time. */
const MIGRATION_POLL_MS = 20;
/**
 * On the wall clock the model advances in whole ticks of this much. Every call advances the
 * model to its clock first, and a step costs as much whether it covers 5 s or 2 ms: without
 * ticks a scrape of a 100-host slice (a call per host, each landing a few ms later) stepped
 * all 2,000 VMs once per call (20–30 s per scrape in the scale bench).
 */
const WALL_TICK_MS = 100;
const wallClock = () => Math.floor(Date.now() / WALL_TICK_MS) * WALL_TICK_MS;

export type SimPortOptions = PortOptions & {
  /** Workload traces play this many times faster than the clock (demo acceleration). Default 1. */
  speed?: number;
  seed?: number;
};

/** Opens `sim://NAME`, `sim:///abs/file.yaml` or `sim://./rel.yaml`. */
export async function openSim(uri: string, opts: SimPortOptions = {}): Promise<SimPort> {
  let scenario;
  try {
    scenario = loadScenario(uri);
  } catch (e) {
    if (e instanceof ScenarioError) throw new HypervisorError(e.kind, `${uri}: ${e.message}`, { cause: e });
    throw e;
  }
  if (opts.hostName !== undefined && scenario.hosts.length !== 1) {
    throw new HypervisorError(
      'invalid',
      `${uri}: NAME= renames a single host, but this scenario has ${scenario.hosts.length} hosts`,
    );
  }
  if (opts.hostName !== undefined) {
    const old = scenario.hosts[0].name;
    scenario.hosts[0].name = opts.hostName;
    for (const v of scenario.vms) if (v.host === old) v.host = opts.hostName;
  }
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new HypervisorError('invalid', `simulator speed must be > 0, got ${speed}`);
  const clock = opts.clock ?? wallClock;
  const driver = new SimDriver(scenario, { startMs: clock(), speed, seed: opts.seed });
  return new SimPort(uri, driver, clock, opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS);
}

function translate(e: unknown): unknown {
  if (e instanceof SimError) return new HypervisorError(e.code, e.message, { cause: e });
  return e;
}

export class SimPort implements HypervisorPort, AppStatsSource {
  private closed = false;
  /** Virtual time: migrations waiting for the owner to advance the model. */
  private readonly waiting = new Set<() => void>();

  /**
   * `time: 'virtual'` — the owner (a simulation) advances the model itself and calls
   * `advanced()` after each step; a migration then waits for model time, not wall time,
   * and its timeout counts model time too. Default 'wall': the port follows `clock`.
   */
  constructor(
    readonly uri: string,
    readonly driver: SimDriver,
    private readonly clock: () => number,
    private readonly timeoutMs: number,
    private readonly time: 'wall' | 'virtual' = 'wall',
  ) {}

  /** Virtual time only: the model moved on; migrations waiting on it look again. */
  advanced(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private nextStep(): Promise<void> {
    return new Promise((res) => {
      const wake = () => {
        this.waiting.delete(wake);
        res();
      };
      this.waiting.add(wake);
    });
  }

  get model(): SimCluster {
    return this.driver.model;
  }

  /** Runs `fn` on the model advanced to the clock, under the call's deadline. */
  private call<T>(what: string, opts: CallOptions | undefined, fn: () => T | Promise<T>): Promise<T> {
    const work = (async () => {
      if (this.closed) throw new HypervisorError('unreachable', `${this.uri}: port is closed`);
      this.driver.advanceTo(this.clock());
      try {
        return await fn();
      } catch (e) {
        throw translate(e);
      }
    })();
    return withDeadline(`${this.uri} ${what}`, opts?.timeoutMs ?? this.timeoutMs, work);
  }

  /** A host of the scenario that is up; a failed one (scenario `hostFailures`) is unreachable. */
  private liveHost(name: string): void {
    if (this.model.host(name).failed)
      throw new HypervisorError('unreachable', `${this.uri}: host "${name}" does not answer (failed)`);
  }

  private vmOf(ref: VmRef): SimVm {
    this.liveHost(ref.host);
    return this.model.vm(ref.name, ref.host);
  }

  /** The planner's view of the whole simulated cluster now (for the in-memory metrics source). */
  snapshot(): Promise<ClusterSnapshot> {
    return this.call('snapshot', undefined, () => this.driver.snapshot());
  }

  // ---- hosts and VMs -------------------------------------------------------------------

  listHosts(opts?: CallOptions): Promise<HostInfo[]> {
    return this.call('listHosts', opts, () =>
      [...this.model.hosts.values()].filter((h) => !h.failed).map((h) => this.hostInfo(h.name)),
    );
  }

  getHostInfo(host: string, opts?: CallOptions): Promise<HostInfo> {
    return this.call('getHostInfo', opts, () => this.hostInfo(host));
  }

  private hostInfo(name: string): HostInfo {
    this.liveHost(name);
    const h = this.model.host(name);
    return {
      name: h.name,
      uri: this.uri,
      cpus: h.cpus,
      mhz: h.mhz,
      memoryBytes: h.memoryBytes,
      memoryFreeBytes: reportedFreeMemory(this.model, h.name),
      cpuSecondsByMode: { ...h.cpuSeconds },
    };
  }

  listVms(host: string, opts?: CallOptions): Promise<VmInfo[]> {
    return this.call('listVms', opts, () => {
      this.liveHost(host);
      return this.model.vmsOn(host).map(vmInfo);
    });
  }

  getVm(ref: VmRef, opts?: CallOptions): Promise<VmInfo> {
    return this.call('getVm', opts, () => vmInfo(this.vmOf(ref)));
  }

  getStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    return this.call('getStats', opts, () => {
      this.liveHost(host);
      const groups = new Set(opts?.groups ?? ALL_STAT_GROUPS);
      return {
        host,
        collectedAtMs: this.model.nowMs,
        vms: this.model.vmsOn(host).map((v) => vmStats(v, groups)),
      };
    });
  }

  getAppStats(host: string): Promise<AppStat[]> {
    return this.call('getAppStats', undefined, () => {
      this.liveHost(host);
      const snap = this.driver.recorder;
      return this.model
        .vmsOn(host)
        .filter((v) => v.web)
        .map((v) => {
          const hist = snap.vmHistory.get(v.name);
          const last = hist?.[hist.length - 1];
          return {
            domain: v.name,
            uuid: v.uuid,
            requestsTotal: v.counters.appRequests,
            responsesTotal: v.counters.appResponses,
            responseTimeSeconds: last?.responseTimeSeconds ?? v.last.responseTimeSeconds,
            droppedTotal: v.counters.appDropped,
          };
        });
    });
  }

  // ---- memory, vCPUs, lifecycle -----------------------------------------------------------

  setMemory(ref: VmRef, bytes: number, opts?: CallOptions): Promise<void> {
    return this.call('setMemory', opts, () => this.model.setMemory(this.vmOf(ref), bytes));
  }

  setVcpus(ref: VmRef, count: number, opts?: CallOptions): Promise<void> {
    return this.call('setVcpus', opts, () => this.model.setVcpus(this.vmOf(ref), count));
  }

  suspend(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.call('suspend', opts, () => this.model.setState(this.vmOf(ref), 'paused'));
  }

  resume(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.call('resume', opts, () => {
      const vm = this.vmOf(ref);
      if (vm.state !== 'paused') throw new SimError('invalid', `VM "${vm.name}" is ${vm.state}, not paused`);
      this.model.setState(vm, 'running');
    });
  }

  start(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.call('start', opts, () => {
      const vm = this.vmOf(ref);
      if (vm.state !== 'shutoff')
        throw new SimError('invalid', `VM "${vm.name}" is ${vm.state}, not shut off`);
      this.model.setState(vm, 'running');
    });
  }

  stop(ref: VmRef, opts?: CallOptions & { force?: boolean }): Promise<void> {
    // A simulated guest always honours a graceful shutdown at once.
    return this.call('stop', opts, () => this.model.setState(this.vmOf(ref), 'shutoff'));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.advanced(); // waiting migrations see the port closed
  }

  // ---- CPU tune, pinning, I/O ---------------------------------------------------------------

  getCpuTune(ref: VmRef, opts?: CallOptions): Promise<{ shares: number; cap: CpuCap }> {
    return this.call('getCpuTune', opts, () => {
      const vm = this.vmOf(ref);
      return { shares: vm.shares, cap: { ...vm.cap } };
    });
  }

  setCpuShares(ref: VmRef, shares: number, opts?: CallOptions): Promise<void> {
    return this.call('setCpuShares', opts, () => this.model.setShares(this.vmOf(ref), shares));
  }

  setCpuCap(ref: VmRef, cap: CpuCap, opts?: CallOptions): Promise<void> {
    return this.call('setCpuCap', opts, () => this.model.setCap(this.vmOf(ref), cap));
  }

  pinVcpu(ref: VmRef, vcpu: number, cpus: readonly number[], opts?: CallOptions): Promise<void> {
    return this.call('pinVcpu', opts, () => this.model.pin(this.vmOf(ref), vcpu, cpus));
  }

  setBlockIoTune(ref: VmRef, device: string, tune: BlockIoTune, opts?: CallOptions): Promise<void> {
    return this.call('setBlockIoTune', opts, () => this.model.setBlockTune(this.vmOf(ref), device, tune));
  }

  setNetBandwidth(ref: VmRef, device: string, bw: NetBandwidth, opts?: CallOptions): Promise<void> {
    return this.call('setNetBandwidth', opts, () => this.model.setNetTune(this.vmOf(ref), device, bw));
  }

  // ---- save / restore -----------------------------------------------------------------------

  save(ref: VmRef, path: string, opts?: CallOptions): Promise<void> {
    return this.call('save', opts, async () => {
      const vm = this.vmOf(ref);
      if (vm.state !== 'running' && vm.state !== 'paused')
        throw new SimError(
          'invalid',
          `VM "${vm.name}" is ${vm.state}; only a running or paused VM can be saved`,
        );
      const image = { simSavedVm: vm.name, uuid: vm.uuid, host: vm.host, balloonBytes: vm.balloonBytes };
      try {
        await writeFile(path, `${JSON.stringify(image)}\n`, { flag: 'w' });
      } catch (e) {
        throw new HypervisorError('failed', `cannot write saved image ${path}`, { cause: e });
      }
      this.model.setState(vm, 'shutoff');
    });
  }

  restore(host: string, path: string, opts?: CallOptions): Promise<void> {
    return this.call('restore', opts, async () => {
      this.liveHost(host);
      let image: { simSavedVm?: unknown; uuid?: unknown };
      try {
        image = JSON.parse(await readFile(path, 'utf8')) as typeof image;
      } catch (e) {
        throw new HypervisorError('not_found', `no saved image at ${path}`, { cause: e });
      }
      if (typeof image.simSavedVm !== 'string')
        throw new HypervisorError('invalid', `${path} is not a saved VM image`);
      const vm = this.model.vm(image.simSavedVm);
      if (vm.uuid !== image.uuid) throw new HypervisorError('invalid', `${path} belongs to another VM`);
      if (vm.state !== 'shutoff')
        throw new SimError('invalid', `VM "${vm.name}" is ${vm.state}, cannot restore`);
      this.model.placeVm(vm, host);
      this.model.setState(vm, 'running');
    });
  }

  // ---- definitions (restarts after a host failure) ------------------------------------------

  getDefinition(ref: VmRef, opts?: CallOptions): Promise<string> {
    return this.call('getDefinition', opts, () => {
      const vm = this.vmOf(ref);
      return JSON.stringify({ simVm: vm.name, uuid: vm.uuid });
    });
  }

  /**
   * A simulated VM is one object: defining it on `host` moves its definition there, shut
   * off. Refused while it is resident anywhere (a second copy of a running VM is exactly
   * what a restart must never make).
   */
  define(host: string, definition: string, opts?: CallOptions): Promise<string> {
    return this.call('define', opts, () => {
      this.model.host(host);
      let def: { simVm?: unknown; uuid?: unknown };
      try {
        def = JSON.parse(definition) as typeof def;
      } catch (e) {
        throw new HypervisorError('invalid', 'not a simulated VM definition', { cause: e });
      }
      if (typeof def.simVm !== 'string')
        throw new HypervisorError('invalid', 'not a simulated VM definition');
      const vm = this.model.vm(def.simVm);
      if (vm.uuid !== def.uuid)
        throw new HypervisorError('invalid', `definition of ${vm.name} has another UUID`);
      if (vm.state === 'running' || vm.state === 'paused' || vm.state === 'blocked')
        throw new SimError('invalid', `VM "${vm.name}" is ${vm.state} on "${vm.host}"`);
      this.model.placeVm(vm, host);
      vm.state = 'shutoff';
      return vm.name;
    });
  }

  // ---- migration ----------------------------------------------------------------------------

  async migrate(ref: VmRef, target: MigrationTarget, opts?: MigrationOptions): Promise<MigrationResult> {
    const job = await this.call('migrate', opts, () => {
      const vm = this.vmOf(ref);
      if (opts?.live === false) throw new SimError('invalid', 'the simulator only migrates live (pre-copy)');
      this.liveHost(target.host);
      return this.model.startMigration(vm, target.host, {
        bandwidthBytesPerSecond: opts?.bandwidthBytesSec,
        maxDowntimeMs: opts?.maxDowntimeMs,
      });
    });
    const virtual = this.time === 'virtual';
    const now = virtual ? () => this.model.nowMs : Date.now;
    const deadline = now() + (opts?.timeoutMs ?? this.timeoutMs * 30);
    // Wait while the clock (or, in virtual time, the owner) carries the model through the
    // pre-copy rounds.
    while (job.state === 'running') {
      if (this.closed) throw new HypervisorError('unreachable', `${this.uri}: port closed during migration`);
      if (now() > deadline) {
        this.model.abortMigration(this.model.vm(ref.name));
        throw new HypervisorError(
          'timeout',
          `migration of "${ref.name}" to "${target.host}" did not finish in time`,
        );
      }
      if (virtual) await this.nextStep();
      else {
        await new Promise((r) => setTimeout(r, MIGRATION_POLL_MS));
        this.driver.advanceTo(this.clock());
      }
      opts?.onProgress?.(progressOf(job));
    }
    if (job.state === 'aborted')
      throw new HypervisorError('failed', `migration of "${ref.name}" was aborted`);
    return {
      vm: ref.name,
      from: job.from,
      to: job.to,
      durationSeconds: job.elapsedSeconds,
      downtimeMs: job.downtimeSeconds * 1000,
      transferredBytes: job.transferredBytes,
      iterations: job.round + 1,
    };
  }

  getJobProgress(ref: VmRef, opts?: CallOptions): Promise<MigrationProgress | null> {
    return this.call('getJobProgress', opts, () => {
      const job = this.vmOf(ref).job;
      return job && job.state === 'running' ? progressOf(job) : null;
    });
  }

  abortJob(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.call('abortJob', opts, () => this.model.abortMigration(this.vmOf(ref)));
  }
}

function progressOf(job: MigrationJob): MigrationProgress {
  const remaining = job.roundBytes - job.roundSent;
  return {
    elapsedSeconds: job.elapsedSeconds,
    dataTotalBytes: job.transferredBytes + remaining,
    dataProcessedBytes: job.transferredBytes,
    dataRemainingBytes: remaining,
    memDirtyRateBytesPerSecond: job.lastDirtyRate,
    iteration: job.round,
  };
}

function vmInfo(v: SimVm): VmInfo {
  return {
    name: v.name,
    uuid: v.uuid,
    state: v.state,
    vcpus: v.vcpus,
    maxVcpus: v.maxVcpus,
    memoryBytes: v.balloonBytes,
    maxMemoryBytes: v.maxMemoryBytes,
    ...(v.priority ? { priority: { ...v.priority } } : {}),
    ...(v.exclude !== undefined ? { exclude: v.exclude } : {}),
    ...(v.pinnedHosts ? { pinnedHosts: [...v.pinnedHosts] } : {}),
  };
}

function vmStats(v: SimVm, groups: ReadonlySet<string>): VmStats {
  const c = v.counters;
  const s: VmStats = { name: v.name, uuid: v.uuid, state: v.state };
  if (groups.has('cpu'))
    s.cpu = { totalSeconds: c.cpuSeconds, userSeconds: c.userSeconds, systemSeconds: c.systemSeconds };
  if (groups.has('vcpu'))
    s.vcpu = {
      current: v.vcpus,
      maximum: v.maxVcpus,
      perVcpu: c.vcpuSeconds.slice(0, v.vcpus).map((t, id) => ({
        id,
        timeSeconds: t,
        delaySeconds: c.vcpuDelaySeconds[id] ?? 0,
        state: v.state === 'running' ? 1 : 0,
      })),
    };
  if (groups.has('balloon')) s.balloon = balloonReading(v);
  if (groups.has('block'))
    s.blocks = [
      {
        device: v.disks[0],
        readBytes: c.blockReadBytes,
        writeBytes: c.blockWriteBytes,
        readOps: Math.floor(c.blockReadOps),
        writeOps: Math.floor(c.blockWriteOps),
        readTimeSeconds: c.blockReadSeconds,
        writeTimeSeconds: c.blockWriteSeconds,
      },
    ];
  if (groups.has('net'))
    s.nets = [
      {
        device: v.nics[0],
        rxBytes: c.netRxBytes,
        rxPackets: Math.floor(c.netRxPackets),
        rxDrops: Math.floor(c.netRxDrops),
        rxErrors: 0,
        txBytes: c.netTxBytes,
        txPackets: Math.floor(c.netTxPackets),
        txDrops: Math.floor(c.netTxDrops),
        txErrors: 0,
      },
    ];
  if (groups.has('dirtyrate') && v.state === 'running') s.dirtyRateBytesPerSecond = v.last.dirtyRate;
  if (groups.has('perf'))
    s.perf = {
      cacheMisses: c.cacheMisses,
      cacheReferences: c.cacheReferences,
      instructions: c.instructions,
      cpuCycles: c.cycles,
    };
  return s;
}
