// Cost-aware migration (issue 12 item 4): a hotspot move is planned only when the service
// it is expected to restore over the horizon exceeds the service the migration itself
// costs. Both sides are VM-seconds of lost service — the unit of SLA VM-minutes:
//
//   relief = horizon × confidence × Σ over the VMs of source and destination of
//            [lost(load before) − lost(load after)]
//   cost   = migration time × (slowdown of the moving VM
//            + Σ neighbours' extra loss from the copy's CPU on both hosts) + downtime
//
// lost(L) = 1 − 1/L when a host's demand is L > 1 times its capacity (a work-conserving
// scheduler gives each VM 1/L of what it asks; a web VM's unserved backlog is in its
// forecast demand), 0 below, averaged over the forecast give or take the spread the host's
// load showed over the last observations: a host above `high` that stays under its capacity
// is a risk, not a loss, and a move that only lowers that risk pays little here. Confidence is
// the share of the last n observations in which the host was hot (1 when Alertmanager
// reports it). The moving VM's slowdown and the copy's CPU are the one definition in
// core/model/migration-overhead.ts; its duration and downtime the pre-copy model's.
//
// The present does not always last the horizon: when a host's CPU history over the last
// horizon (the sum of what the VMs it holds demanded then, wherever they ran — the VMs'
// horizon history, core/model/horizon-history.ts) shows episodes of its present state that
// ended — bursts that cooled, lulls that burst — the present is weighted by the share of the
// horizon it is expected to last (forecast.ts presentShare) and the rest of the horizon by
// that history, with the moving VM's own history taken off the source and added to the
// destination at the same instants: a source that cools on its own gains little, a
// destination whose bursts meet the VM's loses. Without such a history: the present lasts
// the horizon. CPU only: the resource whose demand swings within a horizon.
import { MIGRATION_CPU_COST, migrationSlowdown } from '../../core/model/migration-overhead';
import type { PreCopyEstimate } from '../../core/model/precopy';
import { RESOURCES, type Resource, type ResourceVector } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import { hotCount } from './hotspots';

/** Share of its demand a VM does not get on a host whose demand is `load` × its capacity. */
export function lostFraction(load: number): number {
  return load > 1 ? 1 - 1 / load : 0;
}

/** Probabilists' Gauss–Hermite nodes and weights (5 points, weights sum to 1). */
const GH_NODES = [-2.856970013872806, -1.355626179974266, 0, 1.355626179974266, 2.856970013872806];
const GH_WEIGHTS = [
  0.011257411327721, 0.222075922005613, 0.533333333333333, 0.222075922005613, 0.011257411327721,
];

/**
 * Expected lost fraction when the load is the forecast give or take its spread: lost(L)
 * averaged over L ~ Normal(load, spread) (5-point Gauss–Hermite). A host forecast just under
 * its capacity but swinging around it loses something; a steady one does not.
 */
export function expectedLoss(load: number, spread: number): number {
  if (!(spread > 0)) return lostFraction(load);
  let e = 0;
  for (let i = 0; i < GH_NODES.length; i++) e += GH_WEIGHTS[i] * lostFraction(load + spread * GH_NODES[i]);
  return e;
}

/** The worst resource's expected loss (a VM is as slow as its scarcest resource). */
export function hostLoss(
  load: ResourceVector,
  spread: ResourceVector,
  resources: readonly Resource[],
): number {
  let worst = 0;
  for (const r of resources) worst = Math.max(worst, expectedLoss(load[r], spread[r]));
  return worst;
}

export interface MoveSide {
  /** Forecast load per resource before and after the move. */
  before: ResourceVector;
  after: ResourceVector;
  /** Standard deviation of the host's observed load per resource (the forecast's spread). */
  spread: ResourceVector;
  /** VMs on the host before the move (the moving VM counted on the source). */
  vms: number;
  /** Host CPU capacity in cores (for the copy's CPU). */
  cpuCores: number;
  /** The host's CPU load over the last horizon, oldest first, before and after the move. */
  cpuHistory?: readonly number[];
  cpuHistoryAfter?: readonly number[];
  /** Share of the horizon the present load is expected to last (1 without a history saying otherwise). */
  presentShare?: number;
}

export interface MoveValueInput {
  source: MoveSide;
  destination: MoveSide;
  /** Resources the verdict found hot on the source. */
  hot: readonly Resource[];
  estimate: PreCopyEstimate;
  /** The moving VM's dirty rate (bytes/s) and the stream bandwidth the estimate assumed. */
  dirtyRateBytesPerSecond: number;
  streamBytesPerSecond: number;
  horizonSeconds: number;
  /** 0..1: how sure the planner is that the hotspot lasts. */
  confidence: number;
}

export interface MoveValue {
  /** Expected VM-seconds of service restored over the horizon. */
  reliefVmSeconds: number;
  /** Expected VM-seconds of service the migration costs. */
  costVmSeconds: number;
  /** Slowdown of the moving VM while it migrates (0..1). */
  movingSlowdown: number;
  /** Extra loss of the neighbours, summed, while the copy runs. */
  neighbourLoss: number;
}

const ALL: readonly Resource[] = ['cpu', 'mem', 'disk', 'net'];
const NO_SPREAD: ResourceVector = { cpu: 0, mem: 0, disk: 0, net: 0 };

/**
 * Expected loss of a host over the horizon at `load` (its forecast before or after a move):
 * the present for its share of the horizon, and for the rest each point of its CPU history
 * (`cpu`, before or after the move alike) with the other resources at `load`.
 */
export function horizonLoss(
  s: MoveSide,
  load: ResourceVector,
  rs: readonly Resource[],
  cpu: readonly number[] | undefined,
): number {
  const present = hostLoss(load, s.spread, rs);
  const share = s.presentShare ?? 1;
  if (share >= 1 || !cpu || cpu.length === 0 || !rs.includes('cpu')) return present;
  let past = 0;
  for (const c of cpu) past += hostLoss({ ...load, cpu: Math.max(0, c) }, NO_SPREAD, rs);
  return share * present + (1 - share) * (past / cpu.length);
}

export function moveValue(i: MoveValueInput): MoveValue {
  const { source: src, destination: dst } = i;
  // Relief: the source's VMs (the moving one included, now on the destination) lose less.
  const before = (s: MoveSide, rs: readonly Resource[] = ALL) => horizonLoss(s, s.before, rs, s.cpuHistory);
  const after = (s: MoveSide, rs: readonly Resource[] = ALL) =>
    horizonLoss(s, s.after, rs, s.cpuHistoryAfter);
  const srcGain = src.vms * before(src, i.hot) - (src.vms - 1) * after(src, i.hot);
  const movedLoss = after(dst);
  const dstGain = dst.vms * (before(dst) - after(dst));
  const reliefVmSeconds = Math.max(0, i.horizonSeconds * i.confidence * (srcGain - movedLoss + dstGain));
  // Cost: the copy's CPU raises both hosts' loads while it runs.
  const withCopy = (s: MoveSide, cores: number): ResourceVector => ({
    ...s.before,
    cpu: s.before.cpu + (s.cpuCores > 0 ? cores / s.cpuCores : 0),
  });
  // The copy runs now: its cost is judged on the present load alone.
  const now = (s: MoveSide, load: ResourceVector) => hostLoss(load, s.spread, ALL);
  const neighbourLoss =
    (src.vms - 1) * (now(src, withCopy(src, MIGRATION_CPU_COST.sourceCores)) - now(src, src.before)) +
    dst.vms * (now(dst, withCopy(dst, MIGRATION_CPU_COST.destinationCores)) - now(dst, dst.before));
  const movingSlowdown = migrationSlowdown(i.dirtyRateBytesPerSecond, i.streamBytesPerSecond);
  const costVmSeconds =
    i.estimate.migrationSeconds * (movingSlowdown + neighbourLoss) + i.estimate.downtimeSeconds;
  return { reliefVmSeconds, costVmSeconds, movingSlowdown, neighbourLoss };
}

/** Share of the last n observations in which the host was hot on one of `hot` (1 when alerted). */
export function hotspotConfidence(
  observed: readonly ResourceVector[],
  hot: Resource[],
  cfg: Pick<PlannerConfig, 'high' | 'n'>,
  alerted: boolean,
): number {
  if (alerted) return 1;
  let best = 0;
  for (const r of hot) best = Math.max(best, hotCount(observed, r, cfg.high, cfg.n));
  return best / cfg.n;
}

/** Standard deviation of each resource's load over the last n observations. */
export function loadSpread(observed: readonly ResourceVector[], n: number): ResourceVector {
  const recent = observed.slice(-n);
  const out = { cpu: 0, mem: 0, disk: 0, net: 0 };
  if (recent.length < 2) return out;
  for (const r of RESOURCES) {
    const mean = recent.reduce((a, o) => a + o[r], 0) / recent.length;
    out[r] = Math.sqrt(recent.reduce((a, o) => a + (o[r] - mean) ** 2, 0) / recent.length);
  }
  return out;
}
