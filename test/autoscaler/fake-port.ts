// A small in-memory HypervisorPort for unit tests of the applier, journal reconciliation,
// service and scrape (the real adapters are exercised by the integration suites). It is
// held to the port contract (test/autoscaler/fake-port.contract.test.ts): it validates
// arguments and states as libvirt does and rejects with the same error codes. Behaviour
// knobs let a test make a call fail, lie (no effect), or make a migration hang.
import { createHash } from 'node:crypto';
import { HypervisorError } from '../../core/hypervisor/errors';
import {
  ALL_STAT_GROUPS,
  type BlockIoTune,
  type CpuCap,
  type HostInfo,
  type HostStats,
  type HypervisorPort,
  type MigrationOptions,
  type MigrationProgress,
  type MigrationResult,
  type MigrationTarget,
  type NetBandwidth,
  type StatGroup,
  type StatsOptions,
  type VmInfo,
  type VmRef,
  type VmStats,
} from '../../core/hypervisor/port';

/** Stat groups of a VM as a test scripts them (everything but name, uuid and state). */
export type ScriptedStats = Omit<VmStats, 'name' | 'uuid' | 'state'>;

export interface FakeVm extends VmInfo {
  maxVcpus: number;
  shares: number;
  cap: CpuCap;
  disks: string[];
  nics: string[];
  /** When set, getStats answers these groups for the VM (else it derives them from the fields). */
  stats?: ScriptedStats;
}

/** A UUID-shaped id derived from the name, so a VM keeps its UUID across runs. */
export function uuidFor(name: string): string {
  const h = createHash('md5').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const invalid = (msg: string) => new HypervisorError('invalid', msg);

export class FakePort implements HypervisorPort {
  readonly uri = 'fake://';
  hosts = new Map<string, { info: HostInfo; vms: Map<string, FakeVm> }>();
  /** Methods that reject with this code. */
  failing = new Map<string, HypervisorError['code']>();
  /** Methods that resolve without changing anything (a lying backend). */
  noEffect = new Set<string>();
  /** When set, migrate() waits for this promise before moving the VM. */
  migrationGate: Promise<void> | null = null;
  jobs = new Map<string, MigrationProgress>();
  private aborters = new Map<string, (e: Error) => void>();
  private closed = false;
  calls: string[] = [];

  addHost(name: string, cpus = 4, memoryBytes = 8 * 2 ** 30): this {
    this.hosts.set(name, {
      info: { name, uri: `fake://${name}`, cpus, mhz: 2000, memoryBytes },
      vms: new Map(),
    });
    return this;
  }

  addVm(host: string, name: string, extra: Partial<FakeVm> = {}): this {
    this.host(host).vms.set(name, {
      name,
      uuid: uuidFor(name),
      state: 'running',
      vcpus: 2,
      maxVcpus: 4,
      memoryBytes: 2 ** 30,
      maxMemoryBytes: 2 * 2 ** 30,
      shares: 1024,
      cap: { periodUs: 100000, quotaUs: -1 },
      disks: ['vda'],
      nics: ['vnet0'],
      ...extra,
    });
    return this;
  }

  private open(): void {
    if (this.closed) throw new HypervisorError('unreachable', 'the fake port is closed');
  }

  private host(name: string) {
    this.open();
    const h = this.hosts.get(name);
    if (!h) throw new HypervisorError('not_found', `unknown host ${name}`);
    return h;
  }

  private vm(ref: VmRef): FakeVm {
    const v = this.host(ref.host).vms.get(ref.name);
    if (!v) throw new HypervisorError('not_found', `no VM ${ref.name} on ${ref.host}`);
    return v;
  }

  private guard(method: string): boolean {
    this.calls.push(method);
    const code = this.failing.get(method);
    if (code) throw new HypervisorError(code, `${method} failed (${code}) in the fake`);
    return !this.noEffect.has(method);
  }

  private static info(v: FakeVm): VmInfo {
    const { name, uuid, state, vcpus, memoryBytes, maxMemoryBytes } = v;
    return { name, uuid, state, vcpus, memoryBytes, maxMemoryBytes };
  }

  private static stats(v: FakeVm, groups: readonly StatGroup[]): VmStats {
    const out: VmStats = { name: v.name, uuid: v.uuid, state: v.state };
    const has = (g: StatGroup) => groups.includes(g);
    const s: ScriptedStats = v.stats ?? {
      vcpu: { current: v.vcpus, maximum: v.maxVcpus, perVcpu: [] },
      balloon: { currentBytes: v.memoryBytes, maximumBytes: v.maxMemoryBytes },
      blocks: v.disks.map((device) => ({ device, readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 })),
      nets: v.nics.map((device) => ({
        device,
        rxBytes: 0,
        rxPackets: 0,
        rxDrops: 0,
        txBytes: 0,
        txPackets: 0,
        txDrops: 0,
      })),
    };
    if (has('cpu') && s.cpu) out.cpu = s.cpu;
    if (has('vcpu') && s.vcpu) out.vcpu = s.vcpu;
    if (has('balloon') && s.balloon) out.balloon = s.balloon;
    if (has('block') && s.blocks) out.blocks = s.blocks;
    if (has('net') && s.nets) out.nets = s.nets;
    if (has('perf') && s.perf) out.perf = s.perf;
    if (has('dirtyrate') && s.dirtyRateBytesPerSecond !== undefined)
      out.dirtyRateBytesPerSecond = s.dirtyRateBytesPerSecond;
    return out;
  }

  async listHosts() {
    this.open();
    return [...this.hosts.values()].map((h) => ({ ...h.info }));
  }
  async getHostInfo(host: string) {
    return { ...this.host(host).info };
  }
  async listVms(host: string) {
    return [...this.host(host).vms.values()].map(FakePort.info);
  }
  async getVm(ref: VmRef) {
    this.guard('getVm');
    return FakePort.info(this.vm(ref));
  }
  async getStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    const h = this.host(host);
    const groups = opts?.groups ?? ALL_STAT_GROUPS;
    return {
      host,
      collectedAtMs: Date.now(),
      vms: [...h.vms.values()].map((v) => FakePort.stats(v, groups)),
    };
  }
  async setMemory(ref: VmRef, bytes: number) {
    const v = this.vm(ref);
    if (!(bytes > 0) || bytes > v.maxMemoryBytes)
      throw invalid(`memory ${bytes} outside 1..${v.maxMemoryBytes}`);
    if (this.guard('setMemory')) v.memoryBytes = bytes;
  }
  async setVcpus(ref: VmRef, count: number) {
    const v = this.vm(ref);
    if (!Number.isInteger(count) || count < 1 || count > v.maxVcpus)
      throw invalid(`vCPU count ${count} outside 1..${v.maxVcpus}`);
    if (this.guard('setVcpus')) v.vcpus = count;
  }
  async suspend(ref: VmRef) {
    const v = this.vm(ref);
    if (v.state !== 'running') throw invalid(`${ref.name} is ${v.state}, not running`);
    v.state = 'paused';
  }
  async resume(ref: VmRef) {
    const v = this.vm(ref);
    if (v.state !== 'paused') throw invalid(`${ref.name} is ${v.state}, not paused`);
    v.state = 'running';
  }
  async start(ref: VmRef) {
    const v = this.vm(ref);
    if (v.state !== 'shutoff') throw invalid(`${ref.name} is already active (${v.state})`);
    v.state = 'running';
  }
  async stop(ref: VmRef) {
    const v = this.vm(ref);
    if (v.state === 'shutoff') throw invalid(`${ref.name} is not running`);
    v.state = 'shutoff';
  }
  async close() {
    this.closed = true;
  }
  async getCpuTune(ref: VmRef) {
    this.guard('getCpuTune');
    const v = this.vm(ref);
    return { shares: v.shares, cap: { ...v.cap } };
  }
  async setCpuShares(ref: VmRef, shares: number) {
    const v = this.vm(ref);
    if (!Number.isInteger(shares) || shares < 2 || shares > 262144)
      throw invalid(`cpu_shares ${shares} outside 2..262144`);
    if (this.guard('setCpuShares')) v.shares = shares;
  }
  async setCpuCap(ref: VmRef, cap: CpuCap) {
    const v = this.vm(ref);
    if (cap.periodUs < 1000 || cap.periodUs > 1000000)
      throw invalid(`period ${cap.periodUs} outside 1000..1000000`);
    if (cap.quotaUs !== -1 && cap.quotaUs < 1000) throw invalid(`quota ${cap.quotaUs}: -1 or at least 1000`);
    if (this.guard('setCpuCap')) v.cap = { ...cap };
  }
  async pinVcpu(ref: VmRef, vcpu: number, cpus: number[]) {
    const v = this.vm(ref);
    const hostCpus = this.host(ref.host).info.cpus;
    if (vcpu < 0 || vcpu >= v.maxVcpus) throw invalid(`no vCPU ${vcpu}`);
    if (cpus.length === 0 || cpus.some((c) => c < 0 || c >= hostCpus))
      throw invalid(`CPU list [${cpus.join(',')}] outside 0..${hostCpus - 1}`);
    this.guard('pinVcpu');
  }
  async setBlockIoTune(ref: VmRef, device: string, _tune: BlockIoTune) {
    const v = this.vm(ref);
    if (!v.disks.includes(device)) throw new HypervisorError('not_found', `no disk ${device} on ${ref.name}`);
    this.guard('setBlockIoTune');
  }
  async setNetBandwidth(ref: VmRef, device: string, _bw: NetBandwidth) {
    const v = this.vm(ref);
    if (!v.nics.includes(device))
      throw new HypervisorError('not_found', `no interface ${device} on ${ref.name}`);
    this.guard('setNetBandwidth');
  }
  async save() {
    this.open();
    throw new HypervisorError('unsupported', 'save');
  }
  async restore() {
    this.open();
    throw new HypervisorError('unsupported', 'restore');
  }
  async migrate(ref: VmRef, target: MigrationTarget, opts?: MigrationOptions): Promise<MigrationResult> {
    const v = this.vm(ref);
    const key = `${ref.host}/${ref.name}`;
    this.jobs.set(key, { elapsedSeconds: 0 });
    opts?.onProgress?.({
      elapsedSeconds: 0,
      dataProcessedBytes: 0,
      dataRemainingBytes: v.memoryBytes,
      iteration: 0,
    });
    try {
      if (this.migrationGate) {
        const aborted = new Promise<never>((_, reject) => this.aborters.set(key, reject));
        await Promise.race([this.migrationGate, aborted]);
      }
      if (!this.guard('migrate'))
        return { vm: ref.name, from: ref.host, to: target.host, durationSeconds: 1 };
      const dest = this.host(target.host); // before the VM leaves its source
      this.host(ref.host).vms.delete(ref.name);
      dest.vms.set(ref.name, v);
      return {
        vm: ref.name,
        from: ref.host,
        to: target.host,
        durationSeconds: 1,
        downtimeMs: 50,
        transferredBytes: v.memoryBytes,
      };
    } finally {
      this.jobs.delete(key);
      this.aborters.delete(key);
    }
  }
  async getJobProgress(ref: VmRef) {
    this.vm(ref);
    return this.jobs.get(`${ref.host}/${ref.name}`) ?? null;
  }
  async abortJob(ref: VmRef) {
    this.calls.push('abortJob');
    this.vm(ref);
    const key = `${ref.host}/${ref.name}`;
    if (!this.jobs.has(key)) throw invalid(`no job running on ${ref.name}`);
    this.jobs.delete(key);
    this.aborters.get(key)?.(new HypervisorError('failed', 'migration job aborted'));
  }
}
