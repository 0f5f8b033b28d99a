// DRS-style load balancing (VMware Distributed Resource Scheduler, as documented in
// Gulati et al., "VMware Distributed Resource Management: Design, Implementation, and
// Lessons Learned", VMware Technical Journal 1(1), 2012, and the vSphere resource-management
// guide):
// - each host's normalised load = Σ VM demand / host capacity (CPU and memory);
// - cluster imbalance = standard deviation of the normalised loads; DRS acts when it
//   exceeds the target imbalance derived from the migration threshold (default level 3
//   → target ≈ 0.1 here on both resources, combined by the larger of the two) (§3.2);
// - greedy hill-climbing: evaluate every (VM, destination) move, keep the one that lowers
//   the imbalance most, apply it to the model and repeat — several moves per pass, up to
//   the round's budget (the shared `maxMigrationsPerRound`) (§3.2);
// - cost–benefit and risk (§3.3): a move is kept only when its gain, held over the benefit
//   horizon after the migration ends and discounted by the risk that the VM's demand does
//   not stay where it is (its coefficient of variation over the window), exceeds its cost:
//   the migration time × (the VM's load lost to the migration's slowdown + the copy's CPU
//   on both hosts), in the same normalised-load × seconds;
// - VMs still migrating are reserved on their destination;
// - maintenance mode: VMs of a host entering maintenance are evacuated first, and the
//   host is never a destination.
import type { Action, Plan } from '../../core/model/plan';
import type { ClusterSnapshot, HostSnapshot, Resource, VmSnapshot } from '../../core/model/snapshot';
import { MIGRATION_CPU_COST, migrationSlowdown } from '../../core/model/migration-overhead';
import { vmFootprintBytes } from '../../core/model/footprint';
import { preCopy, PRECOPY_DEFAULTS, streamBandwidth } from '../../core/model/precopy';
import {
  footprintOf,
  freeMemory,
  heldHosts,
  inFlightReservations,
  latest,
  memoryOf,
  mayRunOn,
  movable,
  usableHosts,
  type BaselineInput,
} from './common';

export interface DrsConfig {
  targetImbalance: number;
  /** Seconds a move's gain is assumed to last (DRS invocation period × a few). */
  benefitHorizonSeconds: number;
  /** A move must lower the imbalance at least this much. */
  minGain: number;
  maxMigrationsPerRound: number;
  /** A destination may not go above this load after the move. */
  maxHostLoad: number;
}

export const defaultDrsConfig = (): DrsConfig => ({
  targetImbalance: 0.1,
  benefitHorizonSeconds: 600,
  minGain: 0.005,
  maxMigrationsPerRound: 1,
  maxHostLoad: 0.85,
});

const DRS_RESOURCES: readonly Resource[] = ['cpu', 'mem'];

function stddev(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

/** Imbalance of a load map: the larger stddev of normalised load over CPU and memory. */
export function imbalance(
  hosts: readonly HostSnapshot[],
  load: Map<string, Record<Resource, number>>,
): number {
  return Math.max(
    ...DRS_RESOURCES.map((r) => stddev(hosts.map((h) => (load.get(h.name)?.[r] ?? 0) / h.capacity[r]))),
  );
}

function hostLoads(
  snapshot: ClusterSnapshot,
  hosts: readonly HostSnapshot[],
): Map<string, Record<Resource, number>> {
  const load = new Map(hosts.map((h) => [h.name, { cpu: 0, mem: 0, disk: 0, net: 0 }]));
  for (const v of snapshot.vms) {
    const l = load.get(v.host);
    if (!l || v.state === 'shutoff') continue;
    const d = latest(v.usageHistory);
    for (const r of DRS_RESOURCES) l[r] += d[r];
  }
  return load;
}

/** The VM's stream bandwidth (link minus its own outbound traffic) and its migration time (the one pre-copy model). */
function migrationOf(v: VmSnapshot): { seconds: number; streamBytesPerSecond: number } {
  const competing = v.netTxBytesPerSecond ?? 0;
  return {
    seconds: preCopy({
      ...PRECOPY_DEFAULTS,
      memoryBytes: memoryOf(v),
      touchedBytes: vmFootprintBytes(v),
      dirtyRateBytesPerSecond: v.dirtyRateBytesPerSecond ?? 0,
      competingBytesPerSecond: competing,
    }).migrationSeconds,
    streamBytesPerSecond: streamBandwidth(PRECOPY_DEFAULTS.bandwidthBytesPerSecond, competing),
  };
}

/** Risk (§3.3): the coefficient of variation of the VM's CPU demand over its window, 0..1. */
export function demandRisk(v: VmSnapshot): number {
  const xs = v.usageHistory.map((s) => s.cpu);
  if (xs.length < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return m > 0 ? Math.min(1, stddev(xs) / m) : 0;
}

/**
 * Cost–benefit of one move (§3.3), both in normalised load × seconds: the imbalance gain held
 * from the migration's end to the horizon, discounted by the risk; against the VM's load
 * lost to its slowdown and the copy's CPU on both hosts, for the migration's duration.
 */
export function costBenefit(
  v: VmSnapshot,
  from: HostSnapshot,
  to: HostSnapshot,
  gain: number,
  horizonSeconds: number,
): { benefit: number; cost: number; seconds: number } {
  const m = migrationOf(v);
  const benefit = gain * Math.max(0, horizonSeconds - m.seconds) * (1 - demandRisk(v));
  const vmLoad = latest(v.usageHistory).cpu / Math.max(1e-9, from.capacity.cpu);
  const copy =
    MIGRATION_CPU_COST.sourceCores / Math.max(1e-9, from.capacity.cpu) +
    MIGRATION_CPU_COST.destinationCores / Math.max(1e-9, to.capacity.cpu);
  const slowdown = migrationSlowdown(v.dirtyRateBytesPerSecond ?? 0, m.streamBytesPerSecond);
  return { benefit, cost: m.seconds * (vmLoad * slowdown + copy), seconds: m.seconds };
}

export function drsRound(input: BaselineInput<DrsConfig>): Plan {
  const { snapshot, config: c } = input;
  const hosts = usableHosts(input);
  const active = hosts.filter((h) => !h.maintenance);
  const load = hostLoads(snapshot, hosts);
  for (const r of inFlightReservations(input)) {
    const l = load.get(r.to);
    const v = snapshot.vms.find((x) => x.name === r.vm);
    if (!l || !v) continue;
    const d = latest(v.usageHistory);
    for (const res of DRS_RESOURCES) l[res] += d[res];
  }
  const free = new Map(hosts.map((h) => [h.name, freeMemory(snapshot, h)]));
  const actions: Action[] = [];
  while (actions.length < c.maxMigrationsPerRound) {
    const evacuating = hosts.filter(
      (h) => h.maintenance && movable(input, h.name).some((v) => !moved(actions, v)),
    );
    const before = imbalance(active, load);
    if (evacuating.length === 0 && before <= c.targetImbalance) break;
    let best:
      | {
          v: VmSnapshot;
          from: HostSnapshot;
          to: HostSnapshot;
          gain: number;
          after: number;
          cost: number;
          benefit: number;
          seconds: number;
        }
      | undefined;
    const sources = evacuating.length > 0 ? evacuating : active;
    for (const from of sources) {
      for (const v of movable(input, from.name)) {
        if (moved(actions, v)) continue;
        const d = latest(v.usageHistory);
        for (const to of active) {
          if (to.name === from.name || (free.get(to.name) ?? 0) < footprintOf(v)) continue;
          if (!mayRunOn(input, v, to.name)) continue;
          const lt = load.get(to.name)!;
          if (DRS_RESOURCES.some((r) => (lt[r] + d[r]) / to.capacity[r] > c.maxHostLoad)) continue;
          const lf = load.get(from.name)!;
          for (const r of DRS_RESOURCES) {
            lf[r] -= d[r];
            lt[r] += d[r];
          }
          const after = imbalance(active, load);
          for (const r of DRS_RESOURCES) {
            lf[r] += d[r];
            lt[r] -= d[r];
          }
          const gain = before - after;
          const cb = costBenefit(v, from, to, gain, c.benefitHorizonSeconds);
          const paysOff = evacuating.length > 0 || (gain >= c.minGain && cb.benefit > cb.cost);
          const score = evacuating.length > 0 ? -cb.seconds : gain;
          const bestScore = best ? (evacuating.length > 0 ? -best.seconds : best.gain) : -Infinity;
          if (paysOff && score > bestScore) best = { v, from, to, gain, after, ...cb };
        }
      }
    }
    if (!best) break;
    const d = latest(best.v.usageHistory);
    const lf = load.get(best.from.name)!;
    const lt = load.get(best.to.name)!;
    for (const r of DRS_RESOURCES) {
      lf[r] -= d[r];
      lt[r] += d[r];
    }
    free.set(best.to.name, (free.get(best.to.name) ?? 0) - footprintOf(best.v));
    actions.push({
      kind: 'migrate',
      vm: best.v.name,
      from: best.from.name,
      to: best.to.name,
      params: {},
      reason: {
        rule: best.from.maintenance ? 'drs.evacuate' : 'drs.imbalance',
        text: best.from.maintenance
          ? `${best.from.name} in maintenance: evacuate ${best.v.name} to ${best.to.name}`
          : `imbalance ${before.toFixed(3)} > target ${c.targetImbalance}: moving ${best.v.name} lowers it to ${best.after.toFixed(3)}`,
        scores: {
          imbalanceBefore: before,
          imbalanceAfter: best.after,
          migrationSeconds: best.seconds,
          benefit: best.benefit,
          cost: best.cost,
          risk: demandRisk(best.v),
        },
      },
    });
  }
  return { at: input.now, held: heldHosts(input), actions };
}

function moved(actions: readonly Action[], v: VmSnapshot): boolean {
  return actions.some((a) => a.vm === v.name);
}
