// Pure assembly of a ClusterSnapshot from PromQL results (instant vectors and range
// matrices), with the hold rules: a host is held when its `up` gauge is 0 or missing, when
// its newest sample is older than `staleIntervals` scrape intervals (core/model/staleness.ts),
// or when its CPU count or memory size is missing (partial data). A running VM without CPU
// or memory samples (just migrated or started) is held itself (`heldVms`); the
// plausibility gate (plausibility.ts) counts it at its last known demand or, without one,
// holds its host. Tested on literal query results (build-snapshot.test.ts).
import { VM_STATES, type VmState } from '../../core/hypervisor/port';
import type {
  ClusterSnapshot,
  HostSnapshot,
  Resource,
  ResourceVector,
  VmSnapshot,
  WorkloadKind,
} from '../../core/model/snapshot';
import type { HeldVm, HoldCode } from '../../core/model/hold';
import { staleHold } from '../../core/model/staleness';
import type { HeldHost, Observation } from './source';

export type Labels = Record<string, string>;
export interface InstantSample {
  labels: Labels;
  value: number;
  /** Sample time, ms since the epoch. */
  timeMs: number;
}
export interface RangeSeries {
  labels: Labels;
  /** [time ms, value], oldest first. */
  points: [number, number][];
}

export type InstantName =
  | 'vmInfo'
  | 'vmMemoryMax'
  | 'vmBalloon'
  | 'vmMemoryUnused'
  | 'vmMemoryRss'
  | 'vmVcpus'
  | 'vmCpuWait'
  | 'vmDiskTime'
  | 'vmDirtyRate'
  | 'vmCacheMpki'
  | 'vmRequests'
  | 'vmResponses'
  | 'vmResponseTime'
  | 'vmDiskDevices'
  | 'vmNics'
  | 'hostUp'
  | 'hostSampleTime'
  | 'hostCpus'
  | 'hostMemory';
export type RangeName = 'vmCpu' | 'vmMemory' | 'vmDisk' | 'vmNetRx' | 'vmNetTx';

export interface VmOverride {
  workload?: WorkloadKind;
  sli?: { value?: number; target: number; higherIsBetter: boolean };
  web?: { requestsPerSecond?: number; throughputPerSecond?: number; responseTimeSeconds?: number };
}

export interface BuildInput {
  now: number;
  intervalSeconds: number;
  /** `planner.staleIntervals`: data older than this many intervals holds the host. */
  staleIntervals: number;
  instant: Partial<Record<InstantName, InstantSample[]>>;
  range: Partial<Record<RangeName, RangeSeries[]>>;
  capacity: {
    diskBytesPerSecond: number;
    netBytesPerSecond: number;
    hosts: Record<
      string,
      { diskBytesPerSecond?: number; netBytesPerSecond?: number; maintenance?: boolean; ignored?: boolean }
    >;
  };
  vms: Record<string, VmOverride>;
}

const key = (host: string, vm: string) => `${host}\u0000${vm}`;
const zero = (): ResourceVector => ({ cpu: 0, mem: 0, disk: 0, net: 0 });

function byVm(samples: InstantSample[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples ?? []) {
    if (s.labels.host && s.labels.domain && Number.isFinite(s.value))
      m.set(key(s.labels.host, s.labels.domain), s.value);
  }
  return m;
}

function byHost(samples: InstantSample[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples ?? []) if (s.labels.host && Number.isFinite(s.value)) m.set(s.labels.host, s.value);
  return m;
}

function listByVm(samples: InstantSample[] | undefined, label: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of samples ?? []) {
    const v = s.labels[label];
    if (!s.labels.host || !s.labels.domain || !v) continue;
    const k = key(s.labels.host, s.labels.domain);
    m.set(k, [...(m.get(k) ?? []), v].sort());
  }
  return m;
}

/** Range series → per (host, vm) → time → value. */
function rangeByVm(series: RangeSeries[] | undefined): Map<string, Map<number, number>> {
  const m = new Map<string, Map<number, number>>();
  for (const s of series ?? []) {
    if (!s.labels.host || !s.labels.domain) continue;
    const k = key(s.labels.host, s.labels.domain);
    const t = m.get(k) ?? new Map<number, number>();
    for (const [time, v] of s.points) if (Number.isFinite(v)) t.set(time, v);
    m.set(k, t);
  }
  return m;
}

export function buildSnapshot(input: BuildInput): Observation {
  const { now, intervalSeconds } = input;
  const held = new Map<string, HeldHost>();
  const hold = (host: string, code: HoldCode, reason: string) => {
    if (!held.has(host)) held.set(host, { host, code, reason });
  };

  const up = byHost(input.instant.hostUp);
  const sampleTime = byHost(input.instant.hostSampleTime);
  const cpus = byHost(input.instant.hostCpus);
  const memory = byHost(input.instant.hostMemory);
  const hostNames = new Set<string>([...up.keys(), ...cpus.keys()]);
  for (const s of input.instant.vmInfo ?? []) if (s.labels.host) hostNames.add(s.labels.host);

  const series: Record<
    Exclude<RangeName, 'vmNetRx' | 'vmNetTx'> | 'rx' | 'tx',
    Map<string, Map<number, number>>
  > = {
    vmCpu: rangeByVm(input.range.vmCpu),
    vmMemory: rangeByVm(input.range.vmMemory),
    vmDisk: rangeByVm(input.range.vmDisk),
    rx: rangeByVm(input.range.vmNetRx),
    tx: rangeByVm(input.range.vmNetTx),
  };
  // The common time grid of the range queries (they share start/end/step).
  const grid = [...new Set([...series.vmCpu.values()].flatMap((t) => [...t.keys()]))].sort((a, b) => a - b);

  const memMax = byVm(input.instant.vmMemoryMax);
  const balloon = byVm(input.instant.vmBalloon);
  const unused = byVm(input.instant.vmMemoryUnused);
  const rss = byVm(input.instant.vmMemoryRss);
  const vcpus = byVm(input.instant.vmVcpus);
  const cpuWait = byVm(input.instant.vmCpuWait);
  const diskTime = byVm(input.instant.vmDiskTime);
  const dirty = byVm(input.instant.vmDirtyRate);
  const mpki = byVm(input.instant.vmCacheMpki);
  const req = byVm(input.instant.vmRequests);
  const resp = byVm(input.instant.vmResponses);
  const rt = byVm(input.instant.vmResponseTime);
  const disks = listByVm(input.instant.vmDiskDevices, 'device');
  const nics = listByVm(input.instant.vmNics, 'interface');

  const vms: VmSnapshot[] = [];
  const heldVms: HeldVm[] = [];
  const hostHistory = new Map<string, Map<number, ResourceVector>>();
  for (const info of input.instant.vmInfo ?? []) {
    const host = info.labels.host;
    const name = info.labels.domain;
    if (!host || !name) continue;
    const k = key(host, name);
    const state = (VM_STATES as readonly string[]).includes(info.labels.state ?? '')
      ? (info.labels.state as VmState)
      : 'nostate';
    const active = state === 'running' || state === 'blocked' || state === 'paused';
    const cpuT = series.vmCpu.get(k);
    const memT = series.vmMemory.get(k);
    if (active && (!cpuT || cpuT.size === 0))
      heldVms.push({ vm: name, host, code: 'no_samples', reason: `no CPU samples for ${name} on ${host}` });
    else if (active && (!memT || memT.size === 0))
      heldVms.push({
        vm: name,
        host,
        code: 'no_samples',
        reason: `no memory samples for ${name} on ${host}`,
      });
    const history: ResourceVector[] = [];
    const hh = hostHistory.get(host) ?? new Map<number, ResourceVector>();
    hostHistory.set(host, hh);
    for (const t of grid) {
      if (!cpuT?.has(t)) continue;
      const point: ResourceVector = {
        cpu: cpuT.get(t) ?? 0,
        mem: memT?.get(t) ?? 0,
        disk: series.vmDisk.get(k)?.get(t) ?? 0,
        net: (series.rx.get(k)?.get(t) ?? 0) + (series.tx.get(k)?.get(t) ?? 0),
      };
      history.push(point);
      const sum = hh.get(t) ?? zero();
      for (const r of Object.keys(point) as Resource[]) sum[r] += point[r];
      hh.set(t, sum);
    }
    const override = input.vms[name] ?? {};
    const requests = override.web?.requestsPerSecond ?? req.get(k);
    const responses = override.web?.throughputPerSecond ?? resp.get(k);
    const responseTime = override.web?.responseTimeSeconds ?? rt.get(k);
    const workload: WorkloadKind = override.workload ?? (requests !== undefined ? 'web' : 'unknown');
    const last = history[history.length - 1];
    const vm: VmSnapshot = {
      name,
      host,
      state,
      vcpus: vcpus.get(k) ?? 1,
      memoryBytes: memMax.get(k) ?? balloon.get(k) ?? last?.mem ?? 0,
      workload,
      usageHistory: history,
      allocation: {
        ...(balloon.has(k) ? { balloonBytes: balloon.get(k) } : {}),
        ...(vcpus.has(k) ? { vcpus: vcpus.get(k) } : {}),
      },
    };
    if (info.labels.uuid) vm.uuid = info.labels.uuid;
    if (cpuWait.has(k)) vm.cpuWaitCores = cpuWait.get(k);
    if (diskTime.has(k)) vm.diskTimeSecondsPerSecond = diskTime.get(k);
    if (dirty.has(k)) vm.dirtyRateBytesPerSecond = dirty.get(k);
    if (unused.has(k)) vm.memoryUnusedBytes = unused.get(k);
    if (rss.has(k)) vm.memoryRssBytes = rss.get(k);
    const rx = series.rx.get(k);
    const tx = series.tx.get(k);
    const lastT = grid[grid.length - 1];
    if (rx && lastT !== undefined && rx.has(lastT)) vm.netRxBytesPerSecond = rx.get(lastT);
    if (tx && lastT !== undefined && tx.has(lastT)) vm.netTxBytesPerSecond = tx.get(lastT);
    if (mpki.has(k)) vm.cacheMissesPerKiloInstruction = mpki.get(k);
    if (requests !== undefined) {
      vm.web = {
        requestsPerSecond: requests,
        throughputPerSecond: responses ?? requests,
        ...(responseTime !== undefined ? { responseTimeSeconds: responseTime } : {}),
      };
    }
    if (override.sli && override.sli.value !== undefined) {
      vm.sli = {
        value: override.sli.value,
        target: override.sli.target,
        higherIsBetter: override.sli.higherIsBetter,
      };
    }
    if (disks.has(k) || nics.has(k)) vm.devices = { disks: disks.get(k) ?? [], nics: nics.get(k) ?? [] };
    vms.push(vm);
  }

  const hosts: HostSnapshot[] = [];
  for (const name of [...hostNames].sort()) {
    const cap = input.capacity.hosts[name] ?? {};
    const t = sampleTime.get(name);
    // Signed: a sample from the future (clock skew, a forged timestamp) shows as a negative
    // age, which the plausibility gate judges; it is never "fresh" by construction here.
    const ageSeconds = t === undefined ? Number.POSITIVE_INFINITY : now / 1000 - t;
    if (up.get(name) !== 1)
      hold(
        name,
        'host_down',
        up.has(name) ? 'host down: exporter reports vmpilot_host_up = 0' : 'no vmpilot_host_up sample',
      );
    else {
      const stale = staleHold(ageSeconds, intervalSeconds, input.staleIntervals);
      if (stale) hold(name, stale.code, stale.reason);
    }
    if (!cpus.has(name) || !memory.has(name))
      hold(name, 'partial', 'partial data: host CPU count or memory size missing');
    const hh = hostHistory.get(name) ?? new Map<number, ResourceVector>();
    const usageHistory = grid.map((g) => hh.get(g) ?? zero());
    hosts.push({
      name,
      cpus: cpus.get(name) ?? 0,
      capacity: {
        cpu: cpus.get(name) ?? 0,
        mem: memory.get(name) ?? 0,
        disk: cap.diskBytesPerSecond ?? input.capacity.diskBytesPerSecond,
        net: cap.netBytesPerSecond ?? input.capacity.netBytesPerSecond,
      },
      usageHistory,
      up: !held.has(name),
      ageSeconds: Number.isFinite(ageSeconds) ? ageSeconds : 1e9,
      ...(cap.maintenance ? { maintenance: true } : {}),
      ...(cap.ignored ? { ignored: true } : {}),
    });
  }
  const snapshot: ClusterSnapshot = { at: now, intervalSeconds, hosts, vms };
  const ages = hosts.map((h) => h.ageSeconds);
  const heldList: HeldHost[] = [...held.values()];
  return {
    snapshot,
    held: heldList,
    ...(heldVms.length ? { heldVms } : {}),
    ageSeconds: ages.length ? Math.max(0, Math.min(...ages)) : 0,
  };
}
