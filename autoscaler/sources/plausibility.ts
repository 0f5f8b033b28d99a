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
import type { Observation, RateWindow } from './source';

export interface PlausibilityLimits {
  /**
   * CPU use may exceed the host's cores by this factor before the rate() error is added
   * (counter accounting; sources without rate() are judged by this alone).
   */
  cpuMargin: number;
  /**
   * How much later, at most, the exporter reads a counter at one scrape than at another,
   * counted from each scrape's start (its read latency spread, L in rateErrorFactor).
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

/**
 * The most rate() over a window can overstate a counter's true rate, as a factor.
 *
 * I = scrape interval, W = rate window, L = read latency spread (`counterSkewSeconds`,
 * default I). d = when the exporter read a counter − its sample's timestamp (the scrape's
 * start).
 *
 * rate() divides the increase between the window's first and last sample by the distance
 * of their timestamps (the span), then extrapolates towards the window's edges, never past
 * them, so for a steadily growing counter it only ever lowers that quotient. Hence
 *
 *   rate / true ≤ (span + d_last − d_first) / span = 1 + skew / span.
 *
 * What d can be:
 * - inline read (the scrape reads libvirt): 0 ≤ d ≤ L; an answer later than scrape_timeout
 *   (≤ I) is dropped. Measured under load (`npm run bench -- rate-error`): up to 0.41 s at
 *   1 s scrapes.
 * - background mode (exporter/scrape.ts: a slow host's costly stat groups, cpu-total among
 *   them, are read after one scrape and served at the next): −I ≤ d < 0. A host switches
 *   back to inline after a fast background read, so d jumps by about one interval (J = I).
 * What the span can be: samples are I apart and the gaps to the window's two edges add up
 * to one interval, so span = W − I with every scrape present; with the scrape nearest an
 * edge missing (failed, timed out), span = W − 2I, and rate() still extrapolates to the
 * whole window when that scrape was within 0.1 I of the edge (its threshold is 1.1 × the
 * mean sample distance).
 *
 *   case                                      skew    span     W = 4I, L = I
 *   (a) late reads                            L       W − I    1 + 1/3 = 1.33
 *   (b) (a) with an edge scrape missing       L       W − 2I   1 + 1/2 = 1.50
 *   (c) background → inline, late reads       I + L   W − I    1 + 2/3 = 1.67
 *   (d) (c) with an edge scrape missing       I + L   W − 2I   1 + 2/2 = 2.00
 *
 * The factor is the worst of (b) and (c): 1 + max(L / (W − 2I), (I + L) / (W − I)), × the
 * default cpuMargin 1.05 = 1.75 at the default window of 4 intervals, whatever the interval.
 * (d) is left out: a bound of 2 or more would pass a host counted twice (two scrape jobs on
 * one exporter, a duplicated series), the error this gate exists to catch at that size;
 * and (d) needs a host whose read just proved fast (the switch back to inline follows a
 * background read under slowMs / 2) to answer almost a whole interval late at the next
 * scrape, in a window that also lost its edge scrape. With that read on time (d ≈ 0), (d)
 * is 1 + I / (W − 2I) = 1.5 and passes.
 * Assumed: the exporter's background interval ≤ I (default 0: a read after every scrape);
 * a longer one lags more, and counterSkewSeconds must grow by the difference.
 */
export function rateErrorFactor(w: RateWindow, counterSkewSeconds?: number): number {
  const I = w.scrapeIntervalSeconds;
  const L = counterSkewSeconds ?? I;
  // rate() needs two samples, so a span is at least one interval.
  const span = (missing: number) => Math.max(I, w.rateWindowSeconds - (1 + missing) * I);
  return 1 + Math.max(L / span(1), (I + L) / span(0));
}

/**
 * CPU use may reach the host's cores × this: the accounting margin × the rate() error of a
 * source that computes rates (`rate`), the margin alone for a source with exact numbers.
 */
export function cpuBoundFactor(
  l: Pick<PlausibilityLimits, 'cpuMargin' | 'counterSkewSeconds'>,
  rate?: RateWindow,
): number {
  return l.cpuMargin * (rate ? rateErrorFactor(rate, l.counterSkewSeconds) : 1);
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

  /** `rate`: the source's MetricsSource.cpuRateWindow (none: exact numbers, no rate() error allowed for). */
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
