// A scriptable in-memory HypervisorPort for the scrape's unit tests: it records every
// getStats call (host and groups) and can hang or fail on demand. Integration tests use the
// real adapters (libvirt test driver, real libvirtd, the simulator) instead.
import { HypervisorError } from '../../core/hypervisor/errors';
import type {
  HostInfo,
  HostStats,
  HypervisorPort,
  StatGroup,
  StatsOptions,
  VmInfo,
  VmStats,
} from '../../core/hypervisor/port';

export interface FakeHost {
  info: HostInfo;
  vms: VmStats[];
  /** getStats never resolves. */
  hang?: boolean;
  /** getStats rejects with this. */
  fail?: HypervisorError;
  /** Delay of getStats in ms when the slow groups are asked for. */
  slowDelayMs?: number;
}

const SLOW: readonly StatGroup[] = ['cpu', 'balloon', 'block', 'vcpu', 'dirtyrate'];

export interface FakePortOptions {
  /**
   * Answer getStats calls one at a time, in order, as libvirtd answers the calls of one
   * connection: a slow call delays every call issued after it on the same port.
   */
  serial?: boolean;
}

export class FakePort implements HypervisorPort {
  readonly uri = 'fake://';
  readonly calls: { host: string; groups: readonly StatGroup[] }[] = [];
  /** The getStats calls that have answered, in the order they answered. */
  readonly answered: { host: string; groups: readonly StatGroup[] }[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  constructor(
    readonly hosts: Record<string, FakeHost>,
    private readonly o: FakePortOptions = {},
  ) {}

  private host(name: string): FakeHost {
    const h = this.hosts[name];
    if (!h) throw new HypervisorError('not_found', `unknown host ${name}`);
    return h;
  }

  async listHosts(): Promise<HostInfo[]> {
    return Object.values(this.hosts).map((h) => h.info);
  }
  async getHostInfo(host: string): Promise<HostInfo> {
    return this.host(host).info;
  }
  async listVms(host: string): Promise<VmInfo[]> {
    return this.host(host).vms.map((v) => ({
      name: v.name,
      uuid: v.uuid,
      state: v.state,
      vcpus: 1,
      memoryBytes: 1,
      maxMemoryBytes: 1,
    }));
  }
  async getVm(): Promise<VmInfo> {
    throw new HypervisorError('unsupported', 'fake');
  }
  getStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    if (!this.o.serial) return this.answerStats(host, opts);
    const answer = this.queue.then(() => this.answerStats(host, opts));
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  private async answerStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    const h = this.host(host);
    const groups = opts?.groups ?? SLOW;
    this.calls.push({ host, groups });
    if (h.hang) return new Promise<HostStats>(() => undefined);
    if (h.fail) throw h.fail;
    if (h.slowDelayMs && groups.some((g) => SLOW.includes(g))) {
      await new Promise((r) => setTimeout(r, h.slowDelayMs));
    }
    const has = (g: StatGroup) => groups.includes(g);
    const vms = h.vms.map((v) => {
      const out: VmStats = { name: v.name, uuid: v.uuid, state: v.state };
      if (has('cpu') && v.cpu) out.cpu = v.cpu;
      if (has('vcpu') && v.vcpu) out.vcpu = v.vcpu;
      if (has('balloon') && v.balloon) out.balloon = v.balloon;
      if (has('block') && v.blocks) out.blocks = v.blocks;
      if (has('net') && v.nets) out.nets = v.nets;
      return out;
    });
    this.answered.push({ host, groups });
    return { host, collectedAtMs: 0, vms };
  }
  private unsupported = async (): Promise<never> => {
    throw new HypervisorError('unsupported', 'fake port');
  };
  setMemory = this.unsupported;
  setVcpus = this.unsupported;
  suspend = this.unsupported;
  resume = this.unsupported;
  start = this.unsupported;
  stop = this.unsupported;
  getCpuTune = this.unsupported;
  setCpuShares = this.unsupported;
  setCpuCap = this.unsupported;
  pinVcpu = this.unsupported;
  setBlockIoTune = this.unsupported;
  setNetBandwidth = this.unsupported;
  save = this.unsupported;
  restore = this.unsupported;
  migrate = this.unsupported;
  getJobProgress = this.unsupported;
  abortJob = this.unsupported;
  async close(): Promise<void> {}
}

export function fakeHost(name: string, vmCount: number): FakeHost {
  return {
    info: { name, uri: 'fake://', cpus: 4, mhz: 1000, memoryBytes: 8e9 },
    vms: Array.from({ length: vmCount }, (_, i) => ({
      name: `vm${i}`,
      uuid: `${name}-uuid-${i}`,
      state: 'running' as const,
      cpu: { totalSeconds: 10 + i },
      vcpu: { current: 1, maximum: 2, perVcpu: [{ id: 0, timeSeconds: 5 + i }] },
      balloon: { currentBytes: 1024, maximumBytes: 2048 },
      nets: [{ device: 'vnet0', rxBytes: 1, rxPackets: 1, rxDrops: 0, txBytes: 2, txPackets: 2, txDrops: 0 }],
    })),
  };
}
