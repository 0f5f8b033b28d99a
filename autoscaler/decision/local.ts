// Local tuning — the NodeAgent of one host (SPEC §6, seed 000 algorithm 1, seed 001):
// CPU shares in proportion to points (P[v]/ΣP); in a CPU shortage the VMs with an SLI are
// first guaranteed the CPU that keeps their service level ≥ minLevel (smallest cap by
// exponential + binary search), dropping the guarantees of the VMs whose σ loses least when
// they cannot all be kept; caps below need are lifted; balloon targets cover the forecast
// working set and share the rest by points; block/net limits share a contended device by
// points. Floors/ceilings always apply; smaller changes than the hysteresis are not emitted.
import type { Action } from '../../core/model/plan';
import type { HostSnapshot } from '../../core/model/snapshot';
import { clamp, isMaterial, limitsFor, waterfill, type VmLimits } from './allocate';
import { matchesVm, type PlannerConfig } from './config';
import type { HostView, VmView } from './points';
import {
  minimumCap,
  profileValue,
  serviceLevel,
  serviceLevelHigher,
  type ServiceLevelParams,
} from './service-level';

const SHARES_PER_VM = 1024;
const SHARES_MIN = 2;
const SHARES_MAX = 262144;
const DEFAULT_PERIOD_US = 100_000;
/** Balloon headroom over the forecast working set, so it can grow before the next round. */
const MEMORY_HEADROOM = 1.25;
/** Cap headroom over the forecast CPU demand when lifting a cap that starves a VM. */
const CAP_HEADROOM = 1.2;

interface LocalVm {
  view: VmView;
  limits: VmLimits;
}

/** σ weight of a VM (config `serviceLevel.weights`, default 1). */
export function slWeight(vm: string, cfg: PlannerConfig): number {
  return cfg.serviceLevel.weights.find((w) => matchesVm(w.vm, vm))?.weight ?? 1;
}

/** A learned row covers loads within this relative distance of its own (half a load band). */
const LEARNED_LOAD_REACH = 0.05;

/**
 * The profile the VM's service level is read from: its configured one, or its learned one
 * (the service marks those `learned`) while its load lies within the loads learned — a
 * table learned at 30 requests/s says nothing of 50, so outside them the model is used.
 */
function profileFor(view: VmView, cfg: PlannerConfig) {
  const profile = cfg.serviceLevel.profiles.find((pr) => matchesVm(pr.vm, view.vm.name));
  if (!profile || !('learned' in profile)) return profile;
  const load = view.vm.web?.requestsPerSecond ?? 0;
  const loads = profile.rows.map((r) => r.load);
  const covered =
    load >= Math.min(...loads) * (1 - LEARNED_LOAD_REACH) &&
    load <= Math.max(...loads) * (1 + LEARNED_LOAD_REACH);
  return covered ? profile : undefined;
}

/**
 * What a VM's service-level model rests on, for reasons: a configured profile, a profile
 * learned online that covers its load, or the queue/scaling model.
 */
export function levelBasis(
  view: VmView,
  cfg: PlannerConfig,
): 'configured profile' | 'learned profile' | 'model' {
  const profile = profileFor(view, cfg);
  if (!profile) return 'model';
  return 'learned' in profile ? 'learned profile' : 'configured profile';
}

/**
 * Service level the VM would have with `cap` cores: from its tabular profile when one
 * matches, else from a queue model (response time c/(1 − λc/cap), c = CPU per request) for
 * web VMs, else by scaling the measured SLI with the CPU it gets.
 */
export function levelModel(view: VmView, cfg: PlannerConfig): ((cap: number) => number) | undefined {
  const sli = view.vm.sli;
  if (!sli) return undefined;
  const p: ServiceLevelParams = { a: cfg.serviceLevel.a, b: sli.target, w: cfg.serviceLevel.w };
  const level = (x: number) => (sli.higherIsBetter ? serviceLevelHigher(x, p) : serviceLevel(x, p));
  const profile = profileFor(view, cfg);
  const web = view.vm.web;
  if (profile) {
    const load = web?.requestsPerSecond ?? 0;
    return (cap) => level(profileValue(profile.rows, load, cap));
  }
  if (web && web.throughputPerSecond > 0 && view.observedCpu > 0 && !sli.higherIsBetter) {
    const c = view.observedCpu / web.throughputPerSecond;
    const offered = web.requestsPerSecond * c;
    return (cap) => level(cap > offered ? c / (1 - offered / cap) : 1e6);
  }
  const used = Math.max(view.observedCpu, 1e-3);
  return (cap) => level(sli.higherIsBetter ? (sli.value * cap) / used : (sli.value * used) / cap);
}

/** CPU fractions of the host per VM: P-proportional, with SLI guarantees in shortage. */
function cpuFractions(
  vms: LocalVm[],
  hv: HostView,
  cfg: PlannerConfig,
): { fractions: number[]; guaranteed: Map<string, number> } {
  const weights = vms.map((v) => Math.max(v.view.total, 1e-6));
  const guaranteed = new Map<string, number>();
  const capacity = hv.host.capacity.cpu;
  const demand = vms.reduce((s, v) => s + v.view.demand.cpu, 0);
  if (capacity > 0 && demand > capacity * cfg.high) {
    // Shortage: guarantee each SLI VM the CPU keeping it at minLevel.
    const needs: { name: string; cores: number; weight: number }[] = [];
    for (const v of vms) {
      const levelAt = levelModel(v.view, cfg);
      if (!levelAt) continue;
      const r = minimumCap({
        levelAt,
        target: cfg.serviceLevel.minLevel,
        start: Math.max(0.05, v.view.observedCpu),
        min: 0.01,
        max: Math.min(capacity, v.view.vm.vcpus),
        tolerance: 0.01,
      });
      if (r.met) needs.push({ name: v.view.vm.name, cores: r.cap, weight: slWeight(v.view.vm.name, cfg) });
    }
    // Drop the guarantees that cost σ least (lowest weight, then the most expensive) until they fit.
    needs.sort((a, b) => b.weight - a.weight || a.cores - b.cores || a.name.localeCompare(b.name));
    let sum = 0;
    for (const n of needs) {
      if (sum + n.cores > capacity) continue;
      sum += n.cores;
      guaranteed.set(n.name, n.cores / capacity);
    }
  }
  const floors = vms.map((v) => guaranteed.get(v.view.vm.name) ?? 0);
  return {
    fractions: waterfill(
      1,
      weights,
      floors,
      vms.map(() => Infinity),
    ),
    guaranteed,
  };
}

function sharesActions(vms: LocalVm[], hv: HostView, cfg: PlannerConfig): Action[] {
  const { fractions, guaranteed } = cpuFractions(vms, hv, cfg);
  const total = SHARES_PER_VM * vms.length;
  const sumP = vms.reduce((s, v) => s + v.view.total, 0);
  const out: Action[] = [];
  vms.forEach((v, i) => {
    const b = v.limits.cpuShares;
    const shares = Math.round(clamp(clamp(total * fractions[i], b), { min: SHARES_MIN, max: SHARES_MAX }));
    const before = v.view.vm.allocation.cpuShares;
    const outOfBounds = before !== undefined && (before < b.min || before > b.max);
    if (!outOfBounds && !isMaterial(before, shares, cfg.hysteresis)) return;
    const g = guaranteed.get(v.view.vm.name);
    out.push({
      kind: 'set_cpu_shares',
      vm: v.view.vm.name,
      from: v.view.vm.host,
      params: { shares },
      ...(before !== undefined ? { before: { shares: before } } : {}),
      reason: {
        rule: g !== undefined ? 'local.shares.service-level' : 'local.shares.points',
        text:
          g !== undefined
            ? `CPU shortage: ${(g * 100).toFixed(0)} % of the host keeps its service level ≥ ${cfg.serviceLevel.minLevel} (by its ${levelBasis(v.view, cfg)})`
            : `shares ∝ points: P=${v.view.total.toFixed(1)} of ΣP=${sumP.toFixed(1)}`,
        scores: {
          points: v.view.total,
          pointsTotal: sumP,
          fraction: fractions[i],
          ...(g !== undefined ? { guaranteed: g } : {}),
        },
      },
    });
  });
  return out;
}

/** Lifts caps that starve a VM (below its forecast demand) and applies ceilings/floors in cores. */
function capActions(vms: LocalVm[], cfg: PlannerConfig): Action[] {
  const out: Action[] = [];
  for (const v of vms) {
    const a = v.view.vm.allocation;
    const period = a.cpuPeriodUs && a.cpuPeriodUs > 0 ? a.cpuPeriodUs : DEFAULT_PERIOD_US;
    const capped = a.cpuQuotaUs !== undefined && a.cpuQuotaUs > 0;
    const current = capped ? (a.cpuQuotaUs as number) / period : Infinity;
    const b = v.limits.cpuCores;
    const want = Math.min(v.view.vm.vcpus, v.view.demand.cpu * CAP_HEADROOM);
    let target = current;
    let why = '';
    if (current < want) {
      target = Number.isFinite(b.max) ? Math.min(b.max, Math.max(want, b.min)) : Infinity;
      why = `cap ${current.toFixed(2)} cores below forecast demand ${v.view.demand.cpu.toFixed(2)}`;
    }
    if (target > b.max) {
      target = b.max;
      why = `ceiling ${b.max} cores`;
    }
    if (Number.isFinite(target) && target < b.min) {
      target = b.min;
      why = `floor ${b.min} cores`;
    }
    if (target === current || !why) continue;
    if (Number.isFinite(target) && Number.isFinite(current) && !isMaterial(current, target, cfg.hysteresis))
      continue;
    const quotaUs = Number.isFinite(target) ? Math.round(target * period) : -1;
    out.push({
      kind: 'set_cpu_cap',
      vm: v.view.vm.name,
      from: v.view.vm.host,
      params: { periodUs: period, quotaUs },
      before: { periodUs: period, quotaUs: capped ? (a.cpuQuotaUs as number) : -1 },
      reason: {
        rule: 'local.cap',
        text: why,
        scores: { capCores: Number.isFinite(target) ? target : -1, demandCores: v.view.demand.cpu },
      },
    });
  }
  return out;
}

/** Service level a VM has now (its measured SLI), undefined without an SLI. */
function currentLevel(v: LocalVm, cfg: PlannerConfig): number | undefined {
  const sli = v.view.vm.sli;
  if (!sli) return undefined;
  const p = { a: cfg.serviceLevel.a, b: sli.target, w: cfg.serviceLevel.w };
  return sli.higherIsBetter ? serviceLevelHigher(sli.value, p) : serviceLevel(sli.value, p);
}

/**
 * Memory shortage (the working sets do not fit): VMs keep their working set in order of what
 * a cut would cost σ — heavier σ weight first, then VMs meeting their target (a cut would
 * break them) before those already failing, VMs without an SLI last; whoever does not fit
 * shares what is left in proportion to working set. Floors always hold.
 */
function shortageTargets(
  vms: LocalVm[],
  base: number[],
  floors: number[],
  capacity: number,
  cfg: PlannerConfig,
): number[] {
  const key = vms.map((v) => {
    const level = currentLevel(v, cfg);
    return { weight: level === undefined ? 0 : slWeight(v.view.vm.name, cfg), level: level ?? -1 };
  });
  const order = vms
    .map((_, i) => i)
    .sort(
      (a, b) =>
        key[b].weight - key[a].weight ||
        key[b].level - key[a].level ||
        vms[a].view.vm.name.localeCompare(vms[b].view.vm.name),
    );
  const targets = [...floors];
  let left = capacity - floors.reduce((x, y) => x + y, 0);
  const rest: number[] = [];
  for (const i of order) {
    const extra = base[i] - floors[i];
    if (extra <= left) {
      targets[i] = base[i];
      left -= extra;
    } else rest.push(i);
  }
  const share = waterfill(
    Math.max(0, left),
    rest.map((i) => base[i]),
    rest.map(() => 0),
    rest.map((i) => base[i] - floors[i]),
  );
  rest.forEach((i, j) => (targets[i] += share[j]));
  return targets;
}

/**
 * Balloon targets: forecast working set + headroom, the spare memory shared by points; in a
 * shortage, see shortageTargets.
 */
function memoryActions(vms: LocalVm[], hv: HostView, cfg: PlannerConfig): Action[] {
  const capacity = hv.host.capacity.mem;
  if (!(capacity > 0)) return [];
  const caps = vms.map((v) => Math.min(v.view.vm.memoryBytes, v.limits.memoryBytes.max));
  const floors = vms.map((v, i) => Math.min(caps[i], v.limits.memoryBytes.min));
  const base = vms.map((v, i) => Math.min(caps[i], Math.max(floors[i], v.view.demand.mem)));
  const needs = vms.map((v, i) =>
    Math.min(caps[i], Math.max(floors[i], v.view.demand.mem * MEMORY_HEADROOM)),
  );
  const points = vms.map((v) => Math.max(v.view.total, 1e-6));
  const needSum = needs.reduce((a, b) => a + b, 0);
  const baseSum = base.reduce((a, b) => a + b, 0);
  const shortage = baseSum > capacity;
  const targets =
    needSum <= capacity
      ? waterfill(capacity, points, needs, caps)
      : !shortage
        ? waterfill(capacity, points, base, needs)
        : shortageTargets(vms, base, floors, capacity, cfg);
  const out: Action[] = [];
  vms.forEach((v, i) => {
    const bytes = Math.round(clamp(targets[i], { min: v.limits.memoryBytes.min, max: caps[i] }));
    const before = v.view.vm.allocation.balloonBytes;
    if (!isMaterial(before, bytes, cfg.hysteresis)) return;
    if (before === undefined && bytes >= v.view.vm.memoryBytes) return;
    out.push({
      kind: 'set_memory',
      vm: v.view.vm.name,
      from: v.view.vm.host,
      params: { bytes },
      ...(before !== undefined ? { before: { bytes: before } } : {}),
      reason: {
        rule: shortage ? 'local.memory.shortage' : 'local.memory.points',
        text: shortage
          ? `memory shortage (working sets ${fmtMiB(baseSum)} on ${fmtMiB(capacity)}): kept in order of σ loss`
          : `balloon = working set ${fmtMiB(v.view.demand.mem)} + headroom, spare memory shared by points`,
        scores: {
          workingSetBytes: v.view.demand.mem,
          needBytes: needs[i],
          hostMemoryBytes: capacity,
          points: v.view.total,
        },
      },
    });
  });
  return out;
}

function fmtMiB(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

/**
 * Block or network limits: while the host's device is contended (forecast load ≥ high),
 * each VM gets a share ∝ points, capped at its demand + headroom (water-filled); when the
 * contention is over, limits set earlier are lifted (0 = unlimited).
 */
function ioActions(vms: LocalVm[], hv: HostView, cfg: PlannerConfig, resource: 'disk' | 'net'): Action[] {
  const capacity = hv.host.capacity[resource];
  if (!(capacity > 0)) return [];
  const contended = hv.load[resource] >= cfg.high;
  const key = resource === 'disk' ? 'diskBytesPerSecond' : 'netBytesPerSecond';
  const targets = contended
    ? waterfill(
        capacity,
        vms.map((v) => Math.max(v.view.total, 1e-6)),
        vms.map((v) => v.limits[key].min),
        vms.map((v) =>
          Math.max(v.limits[key].min, Math.min(v.limits[key].max, v.view.demand[resource] * MEMORY_HEADROOM)),
        ),
      )
    : vms.map((v) => (Number.isFinite(v.limits[key].max) ? v.limits[key].max : 0));
  const out: Action[] = [];
  vms.forEach((v, i) => {
    const devices = resource === 'disk' ? v.view.vm.devices?.disks : v.view.vm.devices?.nics;
    if (!devices || devices.length === 0) return;
    const total = Math.round(targets[i]);
    const before =
      resource === 'disk'
        ? v.view.vm.allocation.diskLimitBytesPerSecond
        : v.view.vm.allocation.netLimitBytesPerSecond;
    // Without contention only an existing limit (or a ceiling) is worth an action.
    if (!contended && (before ?? 0) === total) return;
    if (!contended && before === undefined && total === 0) return;
    if (!isMaterial(before, total, cfg.hysteresis)) return;
    const perDevice = Math.round(total / devices.length);
    const reason = {
      rule: contended ? `local.${resource}.contended` : `local.${resource}.release`,
      text: contended
        ? `${resource} at ${(hv.load[resource] * 100).toFixed(0)} % of the host: limit ∝ points, at most demand + headroom`
        : `${resource} no longer contended: limit back to ${total === 0 ? 'unlimited' : `the ceiling ${total} B/s`}`,
      scores: {
        limitBytesPerSecond: total,
        demandBytesPerSecond: v.view.demand[resource],
        hostLoad: hv.load[resource],
      },
    };
    for (const device of devices)
      out.push(
        resource === 'disk'
          ? {
              kind: 'set_block_iotune',
              vm: v.view.vm.name,
              from: v.view.vm.host,
              params: { device, totalBytesSec: perDevice },
              reason,
            }
          : {
              kind: 'set_net_bandwidth',
              vm: v.view.vm.name,
              from: v.view.vm.host,
              params: { device, inboundBytesSec: perDevice, outboundBytesSec: perDevice },
              reason,
            },
      );
  });
  return out;
}

/** Every local action for one (not held) host. */
export function planLocalHost(
  host: HostSnapshot,
  hv: HostView,
  views: readonly VmView[],
  cfg: PlannerConfig,
): Action[] {
  const vms: LocalVm[] = views
    .filter((v) => v.vm.state === 'running')
    .map((view) => ({ view, limits: limitsFor(view.vm.name, cfg) }));
  if (vms.length === 0 || host.name !== hv.host.name) return [];
  return [
    ...sharesActions(vms, hv, cfg),
    ...capActions(vms, cfg),
    ...memoryActions(vms, hv, cfg),
    ...ioActions(vms, hv, cfg, 'disk'),
    ...ioActions(vms, hv, cfg, 'net'),
  ];
}
