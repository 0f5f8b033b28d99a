// Builds the planner's ClusterSnapshot from the simulated cluster, with an observation
// history: every `observeSeconds` of model time the recorder turns the model's cumulative
// counters into one averaged sample per VM and host (what a Prometheus `rate()` over the
// scrape interval would give). The runner and the autoscaler's in-memory source use it.
import { DEFAULT_HORIZON_SECONDS } from '../model/horizon-history';
import type { ClusterSnapshot, ResourceVector, VmSnapshot } from '../model/snapshot';
import { HorizonRecorder } from './horizon-recorder';
import type { SimCluster, SimHost, SimVm } from './model';
import { balloonReading, reportedFreeMemory } from './readings';

interface VmSample {
  usage: ResourceVector;
  /** Run-queue wait of all its vCPUs, cores (production: rate of vcpu.N.delay). */
  cpuWait: number;
  /** Seconds its block requests took per second, queueing included (production: rate of rd/wr/fl.times). */
  diskTime: number;
  requestsPerSecond: number;
  throughputPerSecond: number;
  responseTimeSeconds?: number;
  dirtyRate: number;
  netRx: number;
  netTx: number;
  missesPerKiloInstruction?: number;
}

interface VmMark {
  host: string;
  cpu: number;
  /** Run-queue wait of all its vCPUs (s). */
  wait: number;
  /** Time its block requests took (s). */
  io: number;
  ws: number;
  disk: number;
  rx: number;
  tx: number;
  req: number;
  resp: number;
  rtSum: number;
  dirtied: number;
  instr: number;
  misses: number;
}

interface HostMark {
  used: number;
  mem: number;
  disk: number;
  net: number;
}

export class ObservationRecorder {
  private lastAtMs: number | undefined;
  private vmMarks = new Map<string, VmMark>();
  private hostMarks = new Map<string, HostMark>();
  readonly vmHistory = new Map<string, VmSample[]>();
  readonly hostHistory = new Map<string, ResourceVector[]>();
  /** Time of the newest sample (ms). */
  latestMs: number | undefined;
  /** Each VM's CPU demand over the last planning horizon (its horizon history). */
  readonly horizon: HorizonRecorder;

  constructor(
    readonly observeSeconds: number,
    private readonly keep = 10,
    horizonSeconds = DEFAULT_HORIZON_SECONDS,
  ) {
    this.horizon = new HorizonRecorder(observeSeconds, horizonSeconds);
  }

  /** Takes the counters' baseline without recording a sample (call once at the start). */
  start(model: SimCluster): void {
    this.lastAtMs = model.nowMs;
    for (const v of model.vms.values()) this.vmMarks.set(v.name, markVm(v));
    for (const h of model.hosts.values()) this.hostMarks.set(h.name, markHost(h));
  }

  /** Records one sample: averages since the previous call. */
  observe(model: SimCluster): void {
    if (this.lastAtMs === undefined) {
      this.start(model);
      return;
    }
    const dt = (model.nowMs - this.lastAtMs) / 1000;
    if (dt <= 0) return;
    for (const v of model.vms.values()) {
      const now = markVm(v);
      const was = this.vmMarks.get(v.name) ?? now;
      this.vmMarks.set(v.name, now);
      const resp = now.resp - was.resp;
      const instr = now.instr - was.instr;
      const sample: VmSample = {
        usage: {
          cpu: (now.cpu - was.cpu) / dt,
          mem: (now.ws - was.ws) / dt,
          disk: (now.disk - was.disk) / dt,
          net: (now.rx - was.rx + now.tx - was.tx) / dt,
        },
        cpuWait: (now.wait - was.wait) / dt,
        diskTime: (now.io - was.io) / dt,
        requestsPerSecond: (now.req - was.req) / dt,
        throughputPerSecond: resp / dt,
        responseTimeSeconds: v.web ? (resp > 0 ? (now.rtSum - was.rtSum) / resp : undefined) : undefined,
        dirtyRate: (now.dirtied - was.dirtied) / dt,
        netRx: (now.rx - was.rx) / dt,
        netTx: (now.tx - was.tx) / dt,
        missesPerKiloInstruction: instr > 0 ? ((now.misses - was.misses) / instr) * 1000 : undefined,
      };
      if (v.state !== 'running') sample.usage.mem = 0;
      pushBounded(this.vmHistory, v.name, sample, this.keep);
      this.horizon.record(v.name, sample.usage.cpu + sample.cpuWait);
    }
    for (const h of model.hosts.values()) {
      const now = markHost(h);
      const was = this.hostMarks.get(h.name) ?? now;
      this.hostMarks.set(h.name, now);
      pushBounded(
        this.hostHistory,
        h.name,
        {
          cpu: (now.used - was.used) / dt,
          mem: (now.mem - was.mem) / dt,
          disk: (now.disk - was.disk) / dt,
          net: (now.net - was.net) / dt,
        },
        this.keep,
      );
    }
    this.lastAtMs = model.nowMs;
    this.latestMs = model.nowMs;
  }

  /** The planner's view at `nowMs` (the model must already be there). */
  snapshot(model: SimCluster, nowMs = model.nowMs): ClusterSnapshot {
    const age = this.latestMs === undefined ? Infinity : Math.max(0, (nowMs - this.latestMs) / 1000);
    const hosts = [...model.hosts.values()].map((h) => ({
      name: h.name,
      cpus: h.cpus,
      capacity: {
        cpu: h.cpus,
        mem: h.memoryBytes - h.reservedBytes,
        disk: h.diskBandwidth,
        net: h.netBandwidth,
      },
      usageHistory: [...(this.hostHistory.get(h.name) ?? [])],
      // A failed host (scenario hostFailures) has no fresh data: the planner holds it.
      up: !h.failed && (this.hostHistory.get(h.name)?.length ?? 0) > 0,
      ageSeconds: Number.isFinite(age) ? age : 1e9,
      // As the production service enriches a snapshot: the free memory the port reports.
      memoryFreeBytes: reportedFreeMemory(model, h.name),
      maintenance: h.maintenance || undefined,
      ignored: h.ignored || undefined,
    }));
    const vms: VmSnapshot[] = [...model.vms.values()].map((v) => {
      const snap = vmSnapshot(v, this.vmHistory.get(v.name) ?? []);
      const cores = this.horizon.of(v.name);
      return cores ? { ...snap, horizonCpu: { stepSeconds: this.horizon.stepSeconds, cores } } : snap;
    });
    return { at: nowMs, intervalSeconds: this.observeSeconds, hosts, vms };
  }
}

function vmSnapshot(v: SimVm, history: VmSample[]): VmSnapshot {
  const last = history[history.length - 1];
  const inMigration = v.job?.state === 'running';
  // The balloon statistics the exporter publishes (vmMemoryUnused, vmMemoryRss), read now.
  const balloon = balloonReading(v);
  return {
    name: v.name,
    uuid: v.uuid,
    host: v.host,
    // A VM in flight is reported paused so the planner leaves it alone until it lands.
    state: inMigration ? 'paused' : v.state,
    vcpus: v.vcpus,
    maxVcpus: v.maxVcpus,
    memoryBytes: v.maxMemoryBytes,
    // No oracle label (issue 12): production knows a VM's class only from configuration or
    // its observations; without configuration a VM reporting request SLIs is 'web', any
    // other 'unknown' (its traits are classified from dirty rate, I/O and perf counters).
    workload: v.web ? 'web' : 'unknown',
    usageHistory: history.map((s) => ({ ...s.usage })),
    cpuWaitCores: last?.cpuWait,
    diskTimeSecondsPerSecond: last?.diskTime,
    dirtyRateBytesPerSecond: last?.dirtyRate,
    memoryUnusedBytes: balloon.unusedBytes,
    memoryRssBytes: balloon.rssBytes,
    netRxBytesPerSecond: last?.netRx,
    netTxBytesPerSecond: last?.netTx,
    cacheMissesPerKiloInstruction: last?.missesPerKiloInstruction,
    web:
      v.web && last
        ? {
            requestsPerSecond: last.requestsPerSecond,
            throughputPerSecond: last.throughputPerSecond,
            responseTimeSeconds: last.responseTimeSeconds,
          }
        : undefined,
    sli:
      v.web && last?.responseTimeSeconds !== undefined
        ? { value: last.responseTimeSeconds, target: v.web.responseTargetSeconds, higherIsBetter: false }
        : undefined,
    group: v.group,
    ...(v.priority ? { priority: { ...v.priority } } : {}),
    ...(v.exclude !== undefined ? { exclude: v.exclude } : {}),
    ...(v.pinnedHosts ? { pinnedHosts: [...v.pinnedHosts] } : {}),
    devices: { disks: [...v.disks], nics: [...v.nics] },
    allocation: {
      cpuShares: v.shares,
      cpuQuotaUs: v.cap.quotaUs,
      cpuPeriodUs: v.cap.periodUs,
      balloonBytes: v.balloonBytes,
      vcpus: v.vcpus,
      // No pinning or I/O limits: production's snapshot has neither (no port getter reads
      // them back; the planner then treats them as unknown) — issue 12 item 2.
    },
  };
}

function markVm(v: SimVm): VmMark {
  const c = v.counters;
  return {
    host: v.host,
    cpu: c.cpuSeconds,
    wait: c.vcpuDelaySeconds.reduce((a, b) => a + b, 0),
    io: c.blockReadSeconds + c.blockWriteSeconds,
    // Memory as production sees it (balloon/RSS statistics): what the guest holds in RAM,
    // not its true working set — a guest that swaps shows no more than its balloon.
    ws: c.residentByteSeconds,
    disk: c.blockReadBytes + c.blockWriteBytes,
    rx: c.netRxBytes,
    tx: c.netTxBytes,
    req: c.appRequests,
    resp: c.appResponses,
    rtSum: c.appResponseTimeSum,
    dirtied: c.dirtiedBytes,
    instr: c.instructions,
    misses: c.cacheMisses,
  };
}

function markHost(h: SimHost): HostMark {
  return { used: h.usedCoreSeconds, mem: h.memByteSeconds, disk: h.diskBytes, net: h.netBytes };
}

function pushBounded<T>(m: Map<string, T[]>, key: string, x: T, keep: number): void {
  let list = m.get(key);
  if (!list) m.set(key, (list = []));
  list.push(x);
  if (list.length > keep) list.shift();
}
