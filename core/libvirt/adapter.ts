// The libvirt adapter of the HypervisorPort: one port = one libvirt connection = one host.
// Every method runs under a deadline (CallOptions.timeoutMs, else PortOptions.
// defaultTimeoutMs, else 10 s), validates its arguments before libvirt sees them, and
// retries once on a fresh connection when the call failed `unreachable` (libvirtd restart).
import type { PortOptions } from '../hypervisor/port-options';
import { HypervisorError, isHypervisorError, withDeadline } from '../hypervisor/errors';
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
} from '../hypervisor/port';
import * as lv from './client';
import { LibvirtConnection } from './connection';
import { Migrate } from './constants';
import type { Ptr } from './ffi';
import { hostNameFromUri } from './host-name';
import { progressOf } from './job-stats';
import type { TypedParamInput } from './typed-params';

const KiB = 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const MIGRATION_POLL_MS = 500;

export type LibvirtPortOptions = PortOptions & {
  /**
   * Open a connection of its own instead of sharing the one pooled for the URI, so this
   * port's calls never wait behind another port's (see ./connection.ts).
   */
  dedicatedConnection?: boolean;
  /** Open libvirt read-only (virConnectOpenReadOnly): for readers such as the exporter. */
  readOnly?: boolean;
};

/** Opens a port on one libvirt URI (test:///default, test:///abs/host.xml, qemu:///system, qemu+ssh://…). */
export async function openLibvirt(uri: string, opts: LibvirtPortOptions = {}): Promise<HypervisorPort> {
  const timeoutMs = opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const conn = await LibvirtConnection.acquire(uri, timeoutMs, {
    dedicated: opts.dedicatedConnection,
    readOnly: opts.readOnly,
  });
  try {
    let name = hostNameFromUri(uri, opts.hostName);
    if (name === null)
      name = await withDeadline(`virConnectGetHostname(${uri})`, timeoutMs, lv.hostname(await conn.ptr()));
    return new LibvirtPort(conn, name, timeoutMs, opts.clock ?? Date.now);
  } catch (e) {
    await conn.release();
    throw e;
  }
}

function invalid(message: string): HypervisorError {
  return new HypervisorError('invalid', message);
}

function checkInteger(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw invalid(`${what} must be an integer in ${min}..${max}, got ${v}`);
}

export class LibvirtPort implements HypervisorPort {
  constructor(
    private readonly conn: LibvirtConnection,
    private readonly host: string,
    private readonly defaultTimeoutMs: number,
    private readonly clock: () => number,
  ) {}

  get uri(): string {
    return this.conn.uri;
  }

  /**
   * Runs `work` on the connection under the call's deadline. A call that fails
   * `unreachable` reconnects and runs once more (the deadline covers both attempts).
   */
  private run<T>(what: string, opts: CallOptions | undefined, work: (conn: Ptr) => Promise<T>): Promise<T> {
    const timeoutMs = opts?.timeoutMs ?? this.defaultTimeoutMs;
    const attempt = async (): Promise<T> => {
      const conn = await this.conn.ptr();
      try {
        return await work(conn);
      } catch (e) {
        if (!isHypervisorError(e, 'unreachable')) throw e;
        return work(await this.conn.reconnect(conn, timeoutMs));
      }
    };
    return withDeadline(`${what} on ${this.host}`, timeoutMs, this.conn.track(attempt()));
  }

  private checkHost(host: string): void {
    if (host !== this.host)
      throw new HypervisorError('not_found', `unknown host "${host}" (this connection is ${this.host})`);
  }

  private onVm<T>(
    what: string,
    ref: VmRef,
    opts: CallOptions | undefined,
    body: (dom: Ptr, conn: Ptr) => Promise<T>,
  ) {
    return this.run(`${what}(${ref.name})`, opts, async (conn) => {
      this.checkHost(ref.host);
      return lv.withDomain(conn, ref.name, (dom) => body(dom, conn));
    });
  }

  // ---- required --------------------------------------------------------------------

  async listHosts(opts?: CallOptions): Promise<HostInfo[]> {
    return [await this.getHostInfo(this.host, opts)];
  }

  getHostInfo(host: string, opts?: CallOptions): Promise<HostInfo> {
    return this.run('getHostInfo', opts, async (conn) => {
      this.checkHost(host);
      const node = await lv.nodeInfo(conn);
      const info: HostInfo = {
        name: this.host,
        uri: this.uri,
        cpus: node.cpus,
        mhz: node.mhz,
        memoryBytes: Number(node.memory) * KiB,
      };
      const free = await lv.hostFreeMemory(conn);
      if (free !== undefined) info.memoryFreeBytes = Math.min(free, info.memoryBytes);
      const cpu = await lv.hostCpuSeconds(conn);
      if (cpu) info.cpuSecondsByMode = cpu;
      return info;
    });
  }

  listVms(host: string, opts?: CallOptions): Promise<VmInfo[]> {
    return this.run('listVms', opts, async (conn) => {
      this.checkHost(host);
      return lv.listDomains(conn);
    });
  }

  getVm(ref: VmRef, opts?: CallOptions): Promise<VmInfo> {
    return this.onVm('getVm', ref, opts, (dom) => lv.vmInfo(dom));
  }

  getStats(host: string, opts?: StatsOptions): Promise<HostStats> {
    return this.run('getStats', opts, async (conn) => {
      this.checkHost(host);
      return lv.allDomainStats(conn, this.host, opts?.groups ?? ALL_STAT_GROUPS, this.clock);
    });
  }

  setMemory(ref: VmRef, bytes: number, opts?: CallOptions): Promise<void> {
    return this.onVm('setMemory', ref, opts, async (dom) => {
      if (!Number.isFinite(bytes) || bytes < KiB)
        throw invalid(`memory target must be at least 1 KiB, got ${bytes}`);
      const info = await lv.domainInfo(dom);
      const kib = Math.floor(bytes / KiB);
      if (kib > Number(info.maxMem)) {
        throw invalid(
          `memory target ${bytes} bytes is above ${ref.name}'s maximum ${Number(info.maxMem) * KiB} bytes`,
        );
      }
      await lv.setMemoryKiB(dom, kib);
    });
  }

  setVcpus(ref: VmRef, count: number, opts?: CallOptions): Promise<void> {
    return this.onVm('setVcpus', ref, opts, async (dom) => {
      checkInteger('vCPU count', count, 1, 4096);
      await lv.setVcpus(dom, count);
    });
  }

  suspend(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.onVm('suspend', ref, opts, (dom) => lv.lifecycle(dom, 'virDomainSuspend'));
  }

  resume(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.onVm('resume', ref, opts, (dom) => lv.lifecycle(dom, 'virDomainResume'));
  }

  start(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.onVm('start', ref, opts, (dom) => lv.lifecycle(dom, 'virDomainCreate'));
  }

  stop(ref: VmRef, opts?: CallOptions & { force?: boolean }): Promise<void> {
    return this.onVm('stop', ref, opts, (dom) =>
      lv.lifecycle(dom, opts?.force ? 'virDomainDestroy' : 'virDomainShutdown'),
    );
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.release();
  }

  // ---- optional --------------------------------------------------------------------

  getCpuTune(ref: VmRef, opts?: CallOptions): Promise<{ shares: number; cap: CpuCap }> {
    return this.onVm('getCpuTune', ref, opts, async (dom) => {
      const p = await lv.schedulerParams(dom);
      const shares = p.get('cpu_shares');
      if (typeof shares !== 'number') {
        throw new HypervisorError(
          'unsupported',
          `${this.uri} has no cpu_shares scheduler parameter (it offers: ${[...p.keys()].join(', ') || 'none'})`,
        );
      }
      const period = p.get('vcpu_period');
      const quota = p.get('vcpu_quota');
      return {
        shares,
        cap: {
          periodUs: typeof period === 'number' ? period : 100_000,
          // libvirt reports "no cap" as -1 or as a huge value (17592186044415 = cgroup max)
          quotaUs: typeof quota === 'number' && quota > 0 && quota < 17592186044415 ? quota : -1,
        },
      };
    });
  }

  setCpuShares(ref: VmRef, shares: number, opts?: CallOptions): Promise<void> {
    return this.onVm('setCpuShares', ref, opts, async (dom) => {
      checkInteger('CPU shares', shares, 2, 262144);
      await lv.setSchedulerParams(dom, [{ field: 'cpu_shares', type: 'ullong', value: shares }]);
    });
  }

  setCpuCap(ref: VmRef, cap: CpuCap, opts?: CallOptions): Promise<void> {
    return this.onVm('setCpuCap', ref, opts, async (dom) => {
      checkInteger('CPU cap period (µs)', cap.periodUs, 1000, 1_000_000);
      if (cap.quotaUs !== -1) checkInteger('CPU cap quota (µs, or -1)', cap.quotaUs, 1000, 17592186044415);
      await lv.setSchedulerParams(dom, [
        { field: 'vcpu_period', type: 'ullong', value: cap.periodUs },
        { field: 'vcpu_quota', type: 'llong', value: cap.quotaUs },
      ]);
    });
  }

  pinVcpu(ref: VmRef, vcpu: number, cpus: readonly number[], opts?: CallOptions): Promise<void> {
    return this.onVm('pinVcpu', ref, opts, async (dom, conn) => {
      const node = await lv.nodeInfo(conn);
      checkInteger('vCPU number', vcpu, 0, 4095);
      if (cpus.length === 0) throw invalid('pinVcpu needs at least one host CPU');
      for (const c of cpus) checkInteger(`host CPU (this host has ${node.cpus})`, c, 0, node.cpus - 1);
      await lv.pinVcpu(dom, vcpu, cpus, node.cpus);
    });
  }

  setBlockIoTune(ref: VmRef, device: string, tune: BlockIoTune, opts?: CallOptions): Promise<void> {
    return this.onVm('setBlockIoTune', ref, opts, async (dom) => {
      const fields: [keyof BlockIoTune, string][] = [
        ['totalBytesSec', 'total_bytes_sec'],
        ['readBytesSec', 'read_bytes_sec'],
        ['writeBytesSec', 'write_bytes_sec'],
        ['totalIopsSec', 'total_iops_sec'],
        ['readIopsSec', 'read_iops_sec'],
        ['writeIopsSec', 'write_iops_sec'],
      ];
      const params: TypedParamInput[] = [];
      for (const [key, field] of fields) {
        const v = tune[key];
        if (v === undefined) continue;
        checkInteger(`block I/O limit ${key}`, v, 0, Number.MAX_SAFE_INTEGER);
        // The matching *_max (burst) is set to the same value: libvirt's test driver
        // refuses a limit above a zero burst, and QEMU takes max = limit as "no burst".
        params.push({ field, type: 'ullong', value: v }, { field: `${field}_max`, type: 'ullong', value: v });
      }
      if (params.length === 0) throw invalid('setBlockIoTune needs at least one limit');
      await lv.setBlockIoTune(dom, device, params);
    });
  }

  setNetBandwidth(ref: VmRef, device: string, bw: NetBandwidth, opts?: CallOptions): Promise<void> {
    return this.onVm('setNetBandwidth', ref, opts, async (dom) => {
      // libvirt takes KiB/s; a non-zero limit below 1 KiB/s becomes 1 KiB/s (0 = unlimited).
      const kib = (what: string, v: number) => {
        checkInteger(what, v, 0, 0xffffffff * KiB);
        return v === 0 ? 0 : Math.max(1, Math.round(v / KiB));
      };
      const params: TypedParamInput[] = [];
      if (bw.inboundBytesSec !== undefined)
        params.push({
          field: 'inbound.average',
          type: 'uint',
          value: kib('inbound bytes/s', bw.inboundBytesSec),
        });
      if (bw.outboundBytesSec !== undefined)
        params.push({
          field: 'outbound.average',
          type: 'uint',
          value: kib('outbound bytes/s', bw.outboundBytesSec),
        });
      if (params.length === 0) throw invalid('setNetBandwidth needs an inbound or outbound rate');
      await lv.setInterfaceParams(dom, device, params);
    });
  }

  save(ref: VmRef, path: string, opts?: CallOptions): Promise<void> {
    return this.onVm('save', ref, opts, (dom) => lv.save(dom, path));
  }

  restore(host: string, path: string, opts?: CallOptions): Promise<void> {
    return this.run(`restore(${path})`, opts, async (conn) => {
      this.checkHost(host);
      await lv.restore(conn, path);
    });
  }

  getDefinition(ref: VmRef, opts?: CallOptions): Promise<string> {
    return this.onVm('getDefinition', ref, opts, (dom) => lv.domainXml(dom));
  }

  define(host: string, definition: string, opts?: CallOptions): Promise<string> {
    return this.run('define', opts, async (conn) => {
      this.checkHost(host);
      if (!definition.trimStart().startsWith('<')) throw invalid('a libvirt definition is domain XML');
      return lv.defineXml(conn, definition);
    });
  }

  getJobProgress(ref: VmRef, opts?: CallOptions): Promise<MigrationProgress | null> {
    return this.onVm('getJobProgress', ref, opts, async (dom) => {
      const p = await lv.jobStats(dom);
      return p ? progressOf(p) : null;
    });
  }

  abortJob(ref: VmRef, opts?: CallOptions): Promise<void> {
    return this.onVm('abortJob', ref, opts, (dom) => lv.abortJob(dom));
  }

  /**
   * Live peer-to-peer migration (the source libvirtd connects to `target.uri`), persistent
   * on the target and undefined on the source. Job stats are polled for `onProgress`; past
   * the deadline the job is aborted and the call rejects `timeout`.
   */
  migrate(ref: VmRef, target: MigrationTarget, opts: MigrationOptions = {}): Promise<MigrationResult> {
    return this.conn.track(this.migrateNow(ref, target, opts));
  }

  private async migrateNow(
    ref: VmRef,
    target: MigrationTarget,
    opts: MigrationOptions,
  ): Promise<MigrationResult> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const started = this.clock();
    const flags =
      (opts.live === false ? 0 : Migrate.live) |
      Migrate.peerToPeer |
      Migrate.persistDest |
      Migrate.undefineSource;
    const params: TypedParamInput[] = [];
    if (opts.bandwidthBytesSec) {
      params.push({
        field: 'bandwidth',
        type: 'ullong',
        value: Math.max(1, Math.round(opts.bandwidthBytesSec / 2 ** 20)),
      });
    }
    let last: MigrationProgress | undefined;
    const conn = await this.conn.ptr();
    this.checkHost(ref.host);
    return lv.withDomain(conn, ref.name, async (dom) => {
      if (opts.maxDowntimeMs !== undefined) {
        await lv.setMaxDowntime(dom, opts.maxDowntimeMs).catch((e: unknown) => {
          if (!isHypervisorError(e, 'unsupported')) throw e;
        });
      }
      let polling = true;
      const poll = async () => {
        while (polling) {
          await new Promise((r) => setTimeout(r, MIGRATION_POLL_MS));
          if (!polling) break;
          const p = await lv.jobStats(dom).catch(() => null);
          if (p && polling) {
            last = progressOf(p);
            opts.onProgress?.(last);
          }
        }
      };
      const migration = lv.migrateToUri3(dom, target.uri, params, flags);
      const poller = poll();
      try {
        await withDeadline(`migrate(${ref.name} → ${target.host})`, timeoutMs, migration);
      } catch (e) {
        polling = false; // no progress reports once the call has failed
        if (isHypervisorError(e, 'timeout')) {
          await lv.abortJob(dom).catch(() => undefined);
          await migration.catch(() => undefined);
        }
        throw e;
      } finally {
        polling = false;
        await poller;
      }
      const result: MigrationResult = {
        vm: ref.name,
        from: this.host,
        to: target.host,
        durationSeconds: (this.clock() - started) / 1000,
      };
      const done = await this.completedJobOnTarget(target.uri, ref.name, timeoutMs);
      const downtime = done?.get('downtime');
      const transferred = done?.get('memory_transferred') ?? done?.get('data_processed');
      const iteration = done?.get('memory_iteration') ?? last?.iteration;
      const elapsed = done?.get('time_elapsed');
      if (typeof elapsed === 'number') result.durationSeconds = elapsed / 1000;
      if (typeof downtime === 'number') result.downtimeMs = downtime;
      if (typeof transferred === 'number') result.transferredBytes = transferred;
      else if (last?.dataProcessedBytes !== undefined) result.transferredBytes = last.dataProcessedBytes;
      if (typeof iteration === 'number') result.iterations = iteration;
      return result;
    });
  }

  /** Completed-job stats of the migrated domain, read on the destination (best effort). */
  private async completedJobOnTarget(uri: string, name: string, timeoutMs: number) {
    let dest: LibvirtConnection | undefined;
    try {
      dest = await LibvirtConnection.acquire(uri, timeoutMs);
      const ptr = await dest.ptr();
      return await withDeadline(
        'completed job stats',
        timeoutMs,
        lv.withDomain(ptr, name, (dom) => lv.jobStats(dom, true)),
      );
    } catch {
      return null;
    } finally {
      await dest?.release();
    }
  }
}
