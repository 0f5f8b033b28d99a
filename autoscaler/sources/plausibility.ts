// The plausibility gate (SPEC §7: never act on data that cannot be true). It sits between
// every metrics source and the planner (the service runs each observation through it): a
// host whose own numbers, or whose VMs' numbers, cannot be true is held with the typed
// code `implausible_metrics` and a reason naming the metric and its value. The bounds come
// from what the hypervisor says about the host: CPU use ≤ its cores × a margin, memory ≤
// its size × a margin, I/O ≤ the configured capacity × a (generous) margin, every number
// finite and ≥ 0, sample times not in the future beyond a clock-skew allowance.
//
// It also holds at the VM's grain: a VM without samples on an otherwise fine host (just
// migrated, just started) is held itself and counted at its last known demand, so its host
// stays tunable for the others. Without any known demand the host is held (`partial`).
import type { HeldHost, HeldVm } from '../../core/model/hold';
import {
  RESOURCES,
  type ClusterSnapshot,
  type HostSnapshot,
  type Resource,
  type ResourceVector,
  type VmSnapshot,
} from '../../core/model/snapshot';
import type { Observation } from './source';

export interface PlausibilityLimits {
  /**
   * CPU use may exceed the host's cores by this factor before the rate() error is added
   * (counter accounting; sources without rate() are judged by this alone).
   */
  cpuMargin: number;
  /**
   * How far apart, at most, the moments two samples' counters were read can be from their
   * timestamps' distance (seconds): the numerator of the rate() error (rateErrorFactor).
   * Default (undefined): one scrape interval, Prometheus' scrape_timeout cap.
   */
  counterSkewSeconds?: number;
  /** Memory use may exceed the host's size by this factor. */
  memoryMargin: number;
  /** Disk and network rates may exceed the configured capacity by this factor (it is an estimate). */
  ioMargin: number;
  /** A sample may be stamped this far in the future (clock skew between machines). */
  clockSkewSeconds: number;
  /** Most vCPUs one VM can have (KVM's limit). */
  maxVcpus: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilityLimits = {
  cpuMargin: 1.05,
  memoryMargin: 1.05,
  ioMargin: 10,
  clockSkewSeconds: 30,
  maxVcpus: 4096,
};

/** How the CPU rates were computed: Prometheus' scrape interval and rate() window. */
export interface RateWindow {
  scrapeIntervalSeconds: number;
  rateWindowSeconds: number;
  /** See PlausibilityLimits.counterSkewSeconds. */
  counterSkewSeconds?: number;
}

/**
 * The most rate() over `rateWindowSeconds` can overstate a counter's true rate, as a factor.
 *
 * rate() takes the counter's increase between the first and last sample of the window and
 * divides it by their timestamps' distance (the sampled span); its extrapolation to the
 * window's edges only ever shrinks the result for a steadily growing counter (it extends by
 * at most the distance to the edge, never past the window). So the result is too high only
 * when the counter was read later, relative to its timestamp, at the last sample than at
 * the first. A sample's timestamp is when Prometheus started the scrape; the exporter reads
 * the counter after that, and an answer later than scrape_timeout (≤ the scrape interval)
 * is dropped, so the skew between two samples is at most about one scrape interval. With
 * every scrape of the window present the sampled span is at least window − one interval:
 *
 *   rate / true ≤ 1 + skew / (window − interval)
 *
 * e.g. 1 s scrapes with the default 4 s window: ≤ 1.33, × cpuMargin 1.05 = 1.4. Measured
 * (`npm run bench -- rate-error`, saturated simulated hosts, real Prometheus, 183 points per
 * phase; /work/notes/issue-17-b.md): rate/true at most 1.034 idle and with the demo's
 * autoscaler beside the exporter (the simulator's 100 ms tick: 0.1 s / 3 s), 1.136 with two
 * busy processes (reads up to 411 ms late: a skew of 0.51 s; 9 of 183 points above the
 * old fixed ×1.05, which held saturated hosts as implausible). A scrape missing at the
 * window's edge shortens the span (not covered: that scrape failed, the data is thin anyway).
 */
export function rateErrorFactor(w: RateWindow): number {
  const skew = w.counterSkewSeconds ?? w.scrapeIntervalSeconds;
  const span = Math.max(w.scrapeIntervalSeconds, w.rateWindowSeconds - w.scrapeIntervalSeconds);
  return 1 + skew / span;
}

/** CPU use may reach the host's cores × this: the accounting margin × the rate() error. */
export function cpuBoundFactor(
  l: Pick<PlausibilityLimits, 'cpuMargin' | 'counterSkewSeconds'>,
  rate?: RateWindow,
): number {
  const rateFactor = rate
    ? rateErrorFactor({ ...rate, counterSkewSeconds: l.counterSkewSeconds ?? rate.counterSkewSeconds })
    : 1;
  return l.cpuMargin * rateFactor;
}

/** The limits with the CPU factor worked out once. */
type Limits = PlausibilityLimits & { cpuFactor: number };

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The first reason a value cannot be true, or undefined. */
type Check = string | undefined;

function nonNegative(what: string, v: number | undefined): Check {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v)) return `${what} = ${v} (not a finite number)`;
  if (v < 0) return `${what} = ${v} (negative)`;
  return undefined;
}

function atMost(what: string, v: number, limit: number, because: string): Check {
  return nonNegative(what, v) ?? (v > limit ? `${what} = ${v} (above ${because} = ${limit})` : undefined);
}

function usageCheck(
  what: string,
  u: ResourceVector,
  host: HostSnapshot,
  l: Limits,
  bounds: Record<Resource, number>,
): Check {
  const because: Record<Resource, string> = {
    cpu: `${host.cpus} cores × ${round3(l.cpuFactor)}`,
    mem: `host memory × ${l.memoryMargin}`,
    disk: `disk capacity × ${l.ioMargin}`,
    net: `network capacity × ${l.ioMargin}`,
  };
  for (const r of RESOURCES) {
    const c = atMost(`${what} ${r}`, u[r], bounds[r], because[r]);
    if (c) return c;
  }
  return undefined;
}

function hostCheck(h: HostSnapshot, l: Limits): Check {
  if (!Number.isInteger(h.cpus) || h.cpus < 1 || h.cpus > 1 << 20)
    return `host CPU count = ${h.cpus} (not a whole number ≥ 1)`;
  if (!Number.isFinite(h.capacity.mem) || h.capacity.mem <= 0)
    return `host memory = ${h.capacity.mem} bytes (not > 0)`;
  for (const r of ['disk', 'net'] as const)
    if (!Number.isFinite(h.capacity[r]) || h.capacity[r] <= 0)
      return `${r} capacity = ${h.capacity[r]} (not > 0)`;
  if (Number.isNaN(h.ageSeconds)) return 'sample age is not a number';
  if (h.ageSeconds < -l.clockSkewSeconds)
    return `newest sample is ${(-h.ageSeconds).toFixed(0)} s in the future (allowed skew ${l.clockSkewSeconds} s)`;
  const bounds = usageBounds(h, l);
  for (const u of h.usageHistory) {
    const c = usageCheck('host usage', u, h, l, bounds);
    if (c) return c;
  }
  return undefined;
}

function usageBounds(h: HostSnapshot, l: Limits): Record<Resource, number> {
  return {
    cpu: h.cpus * l.cpuFactor,
    mem: h.capacity.mem * l.memoryMargin,
    disk: h.capacity.disk * l.ioMargin,
    net: h.capacity.net * l.ioMargin,
  };
}

function vmCheck(v: VmSnapshot, h: HostSnapshot, l: Limits): Check {
  const w = `VM ${v.name}`;
  if (!Number.isInteger(v.vcpus) || v.vcpus < 1 || v.vcpus > l.maxVcpus)
    return `${w} vCPUs = ${v.vcpus} (not a whole number in 1..${l.maxVcpus})`;
  const memLimit = h.capacity.mem * l.memoryMargin;
  const memBecause = `host memory × ${l.memoryMargin}`;
  const c =
    atMost(`${w} memory size`, v.memoryBytes, memLimit, memBecause) ??
    (v.allocation.balloonBytes === undefined
      ? undefined
      : atMost(`${w} balloon`, v.allocation.balloonBytes, memLimit, memBecause)) ??
    (v.memoryRssBytes === undefined
      ? undefined
      : atMost(`${w} RSS`, v.memoryRssBytes, memLimit, memBecause)) ??
    nonNegative(`${w} unused memory`, v.memoryUnusedBytes) ??
    nonNegative(`${w} dirty rate`, v.dirtyRateBytesPerSecond) ??
    nonNegative(`${w} received bytes/s`, v.netRxBytesPerSecond) ??
    nonNegative(`${w} sent bytes/s`, v.netTxBytesPerSecond) ??
    nonNegative(`${w} cache misses per kilo-instruction`, v.cacheMissesPerKiloInstruction) ??
    nonNegative(`${w} requests/s`, v.web?.requestsPerSecond) ??
    nonNegative(`${w} throughput/s`, v.web?.throughputPerSecond) ??
    nonNegative(`${w} response time`, v.web?.responseTimeSeconds) ??
    (v.sli && !Number.isFinite(v.sli.value) ? `${w} SLI = ${v.sli.value} (not finite)` : undefined);
  if (c) return c;
  const bounds = usageBounds(h, l);
  for (const u of v.usageHistory) {
    const uc = usageCheck(`${w} usage`, u, h, l, bounds);
    if (uc) return uc;
  }
  return undefined;
}

export class PlausibilityGate {
  /** Last plausible demand of each VM (by name: it survives a migration), for VMs without samples. */
  private readonly lastDemand = new Map<string, ResourceVector>();
  private readonly limits: Limits;

  /** `rate`: how the source's CPU rates were computed (none: no rate() error is allowed for). */
  constructor(limits: Partial<PlausibilityLimits> = {}, rate?: RateWindow) {
    const l = { ...DEFAULT_PLAUSIBILITY, ...limits };
    this.limits = { ...l, cpuFactor: cpuBoundFactor(l, rate) };
  }

  /**
   * Holds hosts with implausible numbers; counts VMs without samples at their last known
   * demand (held themselves) or holds their host. Changes the observation in place and
   * returns it. Ages are clamped to ≥ 0 once judged.
   */
  check(obs: Observation): Observation {
    const { snapshot } = obs;
    const held: HeldHost[] = [...obs.held];
    const heldSet = new Set(held.map((h) => h.host));
    const hold = (host: string, code: HeldHost['code'], reason: string) => {
      if (heldSet.has(host)) return;
      heldSet.add(host);
      held.push({ host, code, reason });
    };
    const hosts = new Map(snapshot.hosts.map((h) => [h.name, h]));
    const vmsByHost = new Map<string, VmSnapshot[]>();
    for (const v of snapshot.vms) {
      const list = vmsByHost.get(v.host) ?? [];
      list.push(v);
      vmsByHost.set(v.host, list);
    }
    const withoutSamples = new Map((obs.heldVms ?? []).map((v) => [v.vm, v]));
    for (const h of snapshot.hosts) {
      const c =
        hostCheck(h, this.limits) ??
        (vmsByHost.get(h.name) ?? []).reduce<Check>(
          (found, v) => found ?? (withoutSamples.has(v.name) ? undefined : vmCheck(v, h, this.limits)),
          undefined,
        );
      if (c) hold(h.name, 'implausible_metrics', `implausible metrics: ${c}`);
    }
    const heldVms: HeldVm[] = [];
    for (const hv of withoutSamples.values()) {
      const vm = snapshot.vms.find((v) => v.name === hv.vm && v.host === hv.host);
      const host = hosts.get(hv.host);
      const known = this.lastDemand.get(hv.vm);
      if (!vm || !host || heldSet.has(hv.host)) continue;
      if (!known) {
        hold(hv.host, 'partial', `partial data: ${hv.reason} and no earlier demand known`);
        continue;
      }
      countAt(vm, host, known);
      heldVms.push({ ...hv, reason: `${hv.reason}: held, counted at its last known demand` });
    }
    this.remember(snapshot, heldSet, new Set(heldVms.map((v) => v.vm)));
    for (const h of snapshot.hosts) {
      if (heldSet.has(h.name)) h.up = false;
      if (h.ageSeconds < 0) h.ageSeconds = 0;
    }
    return { ...obs, held, ...(heldVms.length ? { heldVms } : { heldVms: undefined }) };
  }

  /** Keeps each VM's latest plausible demand; forgets VMs no longer in the snapshot. */
  private remember(snapshot: ClusterSnapshot, heldHosts: Set<string>, heldVms: Set<string>): void {
    const present = new Set<string>();
    for (const v of snapshot.vms) {
      present.add(v.name);
      const last = v.usageHistory[v.usageHistory.length - 1];
      if (last && !heldHosts.has(v.host) && !heldVms.has(v.name)) this.lastDemand.set(v.name, { ...last });
    }
    for (const name of this.lastDemand.keys()) if (!present.has(name)) this.lastDemand.delete(name);
  }
}

/**
 * Gives a VM without samples its last known demand at every point of its host's history
 * (whatever partial samples it had already count there too: an over-estimate, the safe side).
 */
function countAt(vm: VmSnapshot, host: HostSnapshot, demand: ResourceVector): void {
  const n = Math.max(1, host.usageHistory.length);
  vm.usageHistory = Array.from({ length: n }, () => ({ ...demand }));
  if (host.usageHistory.length === 0) host.usageHistory = [{ cpu: 0, mem: 0, disk: 0, net: 0 }];
  for (const u of host.usageHistory) for (const r of RESOURCES) u[r] += demand[r];
}
