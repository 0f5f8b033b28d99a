// VMViewer points (SPEC §4, seed 000): every VM's forecast demand per resource on its host's
// scale (100 points = the whole host resource), the weighted total P, and each host's
// forecast load. A starved web VM's CPU demand is raised by its backlog. One pass over the
// snapshot builds the round's view, with VMs indexed by host once.
import {
  type ClusterSnapshot,
  type HostSnapshot,
  type Resource,
  type ResourceVector,
  type VmSnapshot,
  type WebStats,
} from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import { forecastSeries, type ForecastParams } from './forecast';

export type Weights = Record<Resource, number>;

export interface VmView {
  vm: VmSnapshot;
  /** Forecast demand per resource in base units (CPU raised by run-queue wait or the web backlog). */
  demand: ResourceVector;
  /** Forecast CPU use: what the VM got, before wait or backlog. */
  observedCpu: number;
  points: ResourceVector;
  /** Weighted total points P[v]. */
  total: number;
}

export interface HostView {
  host: HostSnapshot;
  /** Forecast demand per resource in base units (host usage forecast + VMs' unserved demand). */
  demand: ResourceVector;
  /** Forecast load per resource, demand / capacity. */
  load: ResourceVector;
  /** Observed load per resource, one per observation, oldest first. */
  observed: ResourceVector[];
}

export interface RoundView {
  hosts: Map<string, HostView>;
  vms: Map<string, VmView>;
  vmsByHost: Map<string, VmView[]>;
}

export function zeroVector(): ResourceVector {
  return { cpu: 0, mem: 0, disk: 0, net: 0 };
}

/** Factor by which a web VM's CPU demand exceeds what it got: requests / throughput, capped. */
export function backlogFactor(web: WebStats | undefined, max: number): number {
  if (!web || web.requestsPerSecond <= 0) return 1;
  if (web.throughputPerSecond <= 0) return max;
  return Math.min(max, Math.max(1, web.requestsPerSecond / web.throughputPerSecond));
}

/** Forecast of each resource over a usage history (no per-resource series arrays: hot path). */
export function forecastVector(history: readonly ResourceVector[], p: ForecastParams): ResourceVector {
  return {
    cpu: forecastSeries(history, 'cpu', p),
    mem: forecastSeries(history, 'mem', p),
    disk: forecastSeries(history, 'disk', p),
    net: forecastSeries(history, 'net', p),
  };
}

/** points[r] = 100 · demand[r] / capacity[r]; total = Σ weight[r] · points[r]. */
export function pointsOf(
  demand: ResourceVector,
  capacity: ResourceVector,
  weights: Weights,
): { points: ResourceVector; total: number } {
  const points = loadOf(demand, capacity);
  points.cpu *= 100;
  points.mem *= 100;
  points.disk *= 100;
  points.net *= 100;
  const total =
    weights.cpu * points.cpu +
    weights.mem * points.mem +
    weights.disk * points.disk +
    weights.net * points.net;
  return { points, total };
}

const ratio = (x: number, cap: number) => (cap > 0 ? x / cap : 0);

export function loadOf(demand: ResourceVector, capacity: ResourceVector): ResourceVector {
  return {
    cpu: ratio(demand.cpu, capacity.cpu),
    mem: ratio(demand.mem, capacity.mem),
    disk: ratio(demand.disk, capacity.disk),
    net: ratio(demand.net, capacity.net),
  };
}

/**
 * Disk throughput (bytes/s) a VM asked for and did not get, from the seconds its block
 * requests took per second, queueing included (`diskTimeSecondsPerSecond`, libvirt
 * rd/wr/fl.times). By Little's law that time is N, its requests in flight. A disk of rate C
 * (bytes/s) serves a request of b bytes in b/C, so N requests kept in flight ask for N·C
 * bytes/s: time × C is the throughput it wanted, and that less what it got (`servedDisk`) is
 * unserved. It
 * assumes the disk serves one request at a time at C; a device's own latency (seeks, parallel
 * queues) also adds time, which is why buildRoundView counts it only on a saturated disk.
 */
export function unservedDisk(vm: VmSnapshot, servedDisk: number, diskRate: number): number {
  const time = vm.diskTimeSecondsPerSecond;
  if (time === undefined || !(time > 0) || !(diskRate > 0)) return 0;
  return Math.max(0, time * diskRate - servedDisk);
}

/**
 * A VM's forecast demand, with the web backlog applied to CPU; its CPU wait, the run-queue
 * wait of its vCPUs beyond that (what it wanted and the host did not give); and its disk wait
 * on a disk of `diskRate` bytes/s (unservedDisk).
 */
export function vmDemand(
  vm: VmSnapshot,
  cfg: PlannerConfig,
  diskRate = 0,
): { demand: ResourceVector; observedCpu: number; unservedCpu: number; unservedDisk: number } {
  const demand = forecastVector(vm.usageHistory, cfg.forecast);
  const observedCpu = demand.cpu;
  if (vm.workload === 'web' || vm.web) demand.cpu *= backlogFactor(vm.web, cfg.backlogBoostMax);
  // The web backlog and the run-queue wait measure the same unserved demand: the larger.
  const wait = vm.cpuWaitCores !== undefined && vm.cpuWaitCores > 0 ? vm.cpuWaitCores : 0;
  const served = vm.usageHistory[vm.usageHistory.length - 1]?.disk ?? 0;
  return {
    demand,
    observedCpu,
    unservedCpu: Math.max(demand.cpu - observedCpu, wait),
    unservedDisk: unservedDisk(vm, served, diskRate),
  };
}

/** The host's disk was last observed at `high` or more of its rate: requests queue on it. */
function diskSaturated(hv: HostView, cfg: PlannerConfig): boolean {
  const last = hv.observed[hv.observed.length - 1];
  return last !== undefined && last.disk >= cfg.high;
}

/** Builds the round's view: forecasts, points and host loads, VMs indexed by host. */
export function buildRoundView(snapshot: ClusterSnapshot, cfg: PlannerConfig): RoundView {
  const hosts = new Map<string, HostView>();
  const vmsByHost = new Map<string, VmView[]>();
  for (const h of snapshot.hosts) {
    const observed = h.usageHistory.map((u) => loadOf(u, h.capacity));
    hosts.set(h.name, {
      host: h,
      demand: forecastVector(h.usageHistory, cfg.forecast),
      load: zeroVector(),
      observed,
    });
    vmsByHost.set(h.name, []);
  }
  const vms = new Map<string, VmView>();
  const vmSum = new Map<string, ResourceVector>();
  for (const vm of snapshot.vms) {
    const hv = hosts.get(vm.host);
    if (!hv) continue;
    const { demand, observedCpu, unservedCpu, unservedDisk } = vmDemand(vm, cfg, hv.host.capacity.disk);
    const { points, total } = pointsOf(demand, hv.host.capacity, cfg.weights);
    const view: VmView = { vm, demand, observedCpu, points, total };
    vms.set(vm.name, view);
    vmsByHost.get(vm.host)?.push(view);
    let sum = vmSum.get(vm.host);
    if (!sum) vmSum.set(vm.host, (sum = zeroVector()));
    sum.cpu += observedCpu;
    sum.mem += demand.mem;
    sum.disk += demand.disk;
    sum.net += demand.net;
    // What a VM wanted and the host did not serve (run-queue wait, web backlog, requests queued
    // on a saturated disk) is host demand too; the VM's points stay what it used.
    hv.demand.cpu += unservedCpu;
    if (diskSaturated(hv, cfg)) hv.demand.disk += unservedDisk;
  }
  for (const hv of hosts.values()) {
    // No host history (e.g. a fresh source): the host's demand is the sum of its VMs'.
    if (hv.host.usageHistory.length === 0) {
      const sum = vmSum.get(hv.host.name) ?? zeroVector();
      hv.demand.cpu += sum.cpu;
      hv.demand.mem += sum.mem;
      hv.demand.disk += sum.disk;
      hv.demand.net += sum.net;
    }
    hv.load = loadOf(hv.demand, hv.host.capacity);
  }
  return { hosts, vms, vmsByHost };
}
