// A scriptable in-memory HypervisorPort for the scrape's unit tests: the contract-held
// in-memory port (test/autoscaler/fake-port.ts) whose getStats records every call (host
// and groups) and can hang, fail, be slow or answer serially on demand. The contract
// suite runs against it unscripted (exporter/testing/fake-port.contract.test.ts).
// Integration tests use the real adapters (libvirt test driver, real libvirtd, the simulator).
import type { HypervisorError } from '../../core/hypervisor/errors';
import {
  ALL_STAT_GROUPS,
  type HostInfo,
  type HostStats,
  type StatGroup,
  type StatsOptions,
  type VmStats,
} from '../../core/hypervisor/port';
import { FakePort as InMemoryPort } from '../../test/autoscaler/fake-port';

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

export class FakePort extends InMemoryPort {
  /** Every getStats call, in the order it was made. */
  readonly statsCalls: { host: string; groups: readonly StatGroup[] }[] = [];
  /** The getStats calls that have answered, in the order they answered. */
  readonly answered: { host: string; groups: readonly StatGroup[] }[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly scripts: Record<string, FakeHost>,
    private readonly o: FakePortOptions = {},
  ) {
    super();
    for (const [name, h] of Object.entries(scripts)) {
      this.addHost(name, h.info.cpus, h.info.memoryBytes);
      const added = this.hosts.get(name);
      if (added) added.info = { ...h.info, name };
      for (const { name: vm, uuid, state, ...stats } of h.vms) {
        this.addVm(name, vm, { uuid, state, stats });
      }
    }
  }

  override getStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    if (!this.o.serial) return this.answerStats(host, opts);
    const answer = this.queue.then(() => this.answerStats(host, opts));
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  private async answerStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    const h = this.scripts[host];
    const groups = opts?.groups ?? ALL_STAT_GROUPS;
    this.statsCalls.push({ host, groups });
    if (h?.hang) return new Promise<HostStats>(() => undefined);
    if (h?.fail) throw h.fail;
    if (h?.slowDelayMs && groups.some((g) => SLOW.includes(g))) {
      await new Promise((r) => setTimeout(r, h.slowDelayMs));
    }
    const stats = await super.getStats(host, { groups });
    this.answered.push({ host, groups });
    return stats;
  }
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
