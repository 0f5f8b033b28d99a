// A small in-memory HypervisorPort for unit tests of the applier, journal reconciliation and
// service (the real adapters are exercised by the e2e suites). Behaviour knobs let a test
// make a call fail, lie (no effect), or make a migration hang.
import { HypervisorError } from '../../core/hypervisor/errors';
import type {
  CpuCap,
  HostInfo,
  HypervisorPort,
  MigrationOptions,
  MigrationProgress,
  MigrationResult,
  MigrationTarget,
  VmInfo,
  VmRef,
} from '../../core/hypervisor/port';

export interface FakeVm extends VmInfo {
  shares?: number;
  cap?: CpuCap;
}

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
      uuid: `uuid-${name}`,
      state: 'running',
      vcpus: 2,
      memoryBytes: 2 ** 30,
      maxMemoryBytes: 2 * 2 ** 30,
      shares: 1024,
      cap: { periodUs: 100000, quotaUs: -1 },
      ...extra,
    });
    return this;
  }

  private host(name: string) {
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

  async listHosts() {
    return [...this.hosts.values()].map((h) => h.info);
  }
  async getHostInfo(host: string) {
    return this.host(host).info;
  }
  async listVms(host: string) {
    return [...this.host(host).vms.values()].map((v) => ({ ...v }));
  }
  async getVm(ref: VmRef) {
    this.guard('getVm');
    return { ...this.vm(ref) };
  }
  async getStats(host: string) {
    return { host, collectedAtMs: 0, vms: [] };
  }
  async setMemory(ref: VmRef, bytes: number) {
    const v = this.vm(ref);
    if (bytes > v.maxMemoryBytes) throw new HypervisorError('invalid', 'above maximum');
    if (this.guard('setMemory')) v.memoryBytes = bytes;
  }
  async setVcpus(ref: VmRef, count: number) {
    const v = this.vm(ref);
    if (this.guard('setVcpus')) v.vcpus = count;
  }
  async suspend(ref: VmRef) {
    this.vm(ref).state = 'paused';
  }
  async resume(ref: VmRef) {
    this.vm(ref).state = 'running';
  }
  async start(ref: VmRef) {
    this.vm(ref).state = 'running';
  }
  async stop(ref: VmRef) {
    this.vm(ref).state = 'shutoff';
  }
  async close() {}
  async getCpuTune(ref: VmRef) {
    this.guard('getCpuTune');
    const v = this.vm(ref);
    return { shares: v.shares ?? 1024, cap: v.cap ?? { periodUs: 100000, quotaUs: -1 } };
  }
  async setCpuShares(ref: VmRef, shares: number) {
    const v = this.vm(ref);
    if (this.guard('setCpuShares')) v.shares = shares;
  }
  async setCpuCap(ref: VmRef, cap: CpuCap) {
    const v = this.vm(ref);
    if (this.guard('setCpuCap')) v.cap = cap;
  }
  async pinVcpu() {
    this.guard('pinVcpu');
  }
  async setBlockIoTune() {
    this.guard('setBlockIoTune');
  }
  async setNetBandwidth() {
    this.guard('setNetBandwidth');
  }
  async save() {
    throw new HypervisorError('unsupported', 'save');
  }
  async restore() {
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
      this.host(ref.host).vms.delete(ref.name);
      this.host(target.host).vms.set(ref.name, v);
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
    return this.jobs.get(`${ref.host}/${ref.name}`) ?? null;
  }
  async abortJob(ref: VmRef) {
    this.calls.push('abortJob');
    const key = `${ref.host}/${ref.name}`;
    this.jobs.delete(key);
    this.aborters.get(key)?.(new HypervisorError('failed', 'migration job aborted'));
  }
}
