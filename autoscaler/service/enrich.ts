// The hypervisor read-back of a round (AutoscalerService.planRound): corrects the snapshot
// with what the hypervisors say now — a VM's real host (Prometheus lags a migration by a
// scrape), current allocations (CPU shares/cap, balloon, vCPUs) and each host's free
// memory, which the exporter's metrics do not carry.
//
// At 500 hosts / 10,000 VMs that is 1,000 host reads and 10,000 CPU-tune reads per round:
// one after another they cost seconds of round trips, so they run at most `concurrency` at
// a time (p-limit), each with its own deadline. The results are applied in snapshot order
// once all have answered, so the snapshot (and the plan) does not depend on which call
// answered first.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { withDeadline } from '../../core/hypervisor/errors';
import type { HostInfo, HypervisorPort, VmInfo } from '../../core/hypervisor/port';
import type { VmPriority } from '../../core/model/priority';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { freeMemoryBytes } from '../applier/room';
import type { HeldHost } from '../sources/source';

/** Hypervisor reads in flight at once. libvirt calls run on libuv's thread pool (4 threads by default). */
export const HYPERVISOR_READ_CONCURRENCY = 16;

export interface EnrichOptions {
  port: HypervisorPort;
  log: Logger;
  /** Deadline of each call (`applier.callTimeoutSeconds`). */
  timeoutMs: number;
  /** Calls in flight at once (default HYPERVISOR_READ_CONCURRENCY). */
  concurrency?: number;
}

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

type HostAnswer = { ok: true; info: HostInfo; vms: VmInfo[] } | { ok: false; error: unknown };

/**
 * Enriches `snapshot` in place; hosts whose hypervisor does not answer are added to `held`
 * (`hypervisor_unreachable`) and marked down. Hosts already in `held` are not read.
 */
export async function enrichSnapshot(
  o: EnrichOptions,
  snapshot: ClusterSnapshot,
  held: HeldHost[],
): Promise<void> {
  const { port, timeoutMs } = o;
  const limit = pLimit(o.concurrency ?? HYPERVISOR_READ_CONCURRENCY);
  // The deadline starts when the call does, not while it waits for a slot. The port also
  // gets it (adapters enforce it themselves); withDeadline frees the slot whatever they do.
  const call = <T>(what: string, work: () => Promise<T>): Promise<T> =>
    limit(() => withDeadline(what, timeoutMs, work()));

  const heldSet = new Set(held.map((h) => h.host));
  const readable = snapshot.hosts.filter((h) => !heldSet.has(h.name));
  const answers = await Promise.all(
    readable.map(async (h): Promise<HostAnswer> => {
      try {
        const [info, vms] = await Promise.all([
          call(`getHostInfo ${h.name}`, () => port.getHostInfo(h.name, { timeoutMs })),
          call(`listVms ${h.name}`, () => port.listVms(h.name, { timeoutMs })),
        ]);
        return { ok: true, info, vms };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  const where = new Map<
    string,
    {
      host: string;
      vcpus: number;
      maxVcpus?: number;
      memoryBytes: number;
      priority?: VmPriority;
      exclude?: boolean;
      pinnedHosts?: string[];
    }
  >();
  readable.forEach((h, i) => {
    const a = answers[i];
    if (!a.ok) {
      held.push({
        host: h.name,
        code: 'hypervisor_unreachable',
        reason: `hypervisor unreachable: ${text(a.error)}`,
      });
      h.up = false;
      return;
    }
    h.memoryFreeBytes = freeMemoryBytes(a.info, a.vms);
    for (const v of a.vms) {
      if (v.state === 'running' || v.state === 'blocked' || v.state === 'paused') {
        where.set(v.name, {
          host: h.name,
          vcpus: v.vcpus,
          ...(v.maxVcpus !== undefined ? { maxVcpus: v.maxVcpus } : {}),
          ...(v.priority !== undefined ? { priority: v.priority } : {}),
          ...(v.exclude !== undefined ? { exclude: v.exclude } : {}),
          ...(v.pinnedHosts !== undefined ? { pinnedHosts: v.pinnedHosts } : {}),
          memoryBytes: v.memoryBytes,
        });
      }
    }
  });

  const tuned: ClusterSnapshot['vms'] = [];
  for (const vm of snapshot.vms) {
    const real = where.get(vm.name);
    if (!real) continue;
    if (real.host !== vm.host) {
      o.log.info(
        { vm: vm.name, metrics: vm.host, hypervisor: real.host },
        'metrics lag a move; using the hypervisor',
      );
      vm.host = real.host;
    }
    vm.allocation.vcpus = real.vcpus;
    if (real.maxVcpus !== undefined) vm.maxVcpus = real.maxVcpus;
    // The priority its domain carries (libvirt <metadata>); config may still override it.
    if (real.priority !== undefined) vm.priority = real.priority;
    // Exclusion and pin set the same element carries (issue 14); config may add to them.
    if (real.exclude !== undefined) vm.exclude = real.exclude;
    if (real.pinnedHosts !== undefined) vm.pinnedHosts = real.pinnedHosts;
    vm.allocation.balloonBytes = real.memoryBytes;
    tuned.push(vm);
  }

  // CPU weight and cap. The first failure (an unsupported backend such as libvirt's test
  // driver, or a hypervisor that stopped answering) stops further reads: the planner works
  // without them, and a hung backend costs one deadline, not one per VM.
  let cpuTuneSupported = true;
  await Promise.all(
    tuned.map((vm) =>
      limit(async () => {
        if (!cpuTuneSupported) return;
        try {
          const t = await withDeadline(
            `getCpuTune ${vm.name}`,
            timeoutMs,
            port.getCpuTune({ host: vm.host, name: vm.name }, { timeoutMs }),
          );
          vm.allocation.cpuShares = t.shares;
          vm.allocation.cpuPeriodUs = t.cap.periodUs;
          vm.allocation.cpuQuotaUs = t.cap.quotaUs;
        } catch {
          cpuTuneSupported = false;
        }
      }),
    ),
  );
}
