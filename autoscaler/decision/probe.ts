// Cautious probing for learned profiles (issue 13 item 5): a VM whose samples sit at one CPU
// level per load band never shows the learner a slope (decision/profile-learning.ts needs two
// CPU levels in a row). So, while its host has headroom, one VM at a time per host gets a
// cap one step below the CPU it uses (rule `profile.probe`); its SLI is watched for k local
// rounds: if its level drops (below minLevel, or by more than the tolerance), the cap goes
// back at once (`profile.probe.rollback`), else after the k rounds (`profile.probe.restore`).
// Either way the samples taken under the cap give the load band its second CPU level.
// Pure: the probe state is the journal's probe steps (history) and the bands the profile
// store has marked probed (input); the steps go through the applier like any other action.
import { capCores, quotaForCores } from '../../core/model/cpu-cap';
import type { Action } from '../../core/model/plan';
import type { HostSnapshot } from '../../core/model/snapshot';
import { limitsFor } from './allocate';
import { matchesVm, type PlannerConfig } from './config';
import { inCooldown, type MigrationRecord } from './guards';
import { measuredLevel } from './levels';
import type { HostView, VmView } from './points';
import { DEFAULT_LEARNING, loadBandOf } from './profile-learning';

export const PROBE = 'profile.probe';
export const PROBE_ROLLBACK = 'profile.probe.rollback';
export const PROBE_RESTORE = 'profile.probe.restore';

/** One completed probe step from the journal (rule `profile.probe*`), oldest first. */
export interface ProbeRecord {
  vm: string;
  host: string;
  rule: string;
  at: number;
  /** Load band probed (profile-learning.ts loadBandOf). */
  loadBand: number;
  /** The cap read before the probe (quotaUs −1: uncapped). */
  before?: { periodUs: number; quotaUs: number };
  /** The VM's service level when the probe started. */
  levelBefore?: number;
}

/** A load band of a VM whose probe ended (kept by the profile store across restarts). */
export interface ProbedBand {
  vm: string;
  loadBand: number;
  at: number;
}

/** A probe in progress: its `profile.probe` step with no end step after it. */
export type ActiveProbe = ProbeRecord & { before: { periodUs: number; quotaUs: number } };

/** Probes in progress, per VM, from the journal's probe steps. */
export function activeProbes(records: readonly ProbeRecord[]): Map<string, ActiveProbe> {
  const out = new Map<string, ActiveProbe>();
  for (const r of records) {
    if (r.rule === PROBE && r.before) out.set(r.vm, { ...r, before: r.before });
    else if (r.rule === PROBE_ROLLBACK || r.rule === PROBE_RESTORE) out.delete(r.vm);
  }
  return out;
}

/** Bands whose probe ended (journal and store), latest end per VM and band. */
export function probedBands(records: readonly ProbeRecord[], kept: readonly ProbedBand[]): ProbedBand[] {
  const ends = records
    .filter((r) => r.rule === PROBE_ROLLBACK || r.rule === PROBE_RESTORE)
    .map((r) => ({ vm: r.vm, loadBand: r.loadBand, at: r.at }));
  const latest = new Map<string, ProbedBand>();
  for (const b of [...kept, ...ends]) {
    const key = `${b.vm}\u0000${b.loadBand}`;
    const seen = latest.get(key);
    if (!seen || b.at > seen.at) latest.set(key, b);
  }
  return [...latest.values()];
}

export interface ProbeInput {
  host: HostSnapshot;
  hv: HostView;
  vms: readonly VmView[];
  cfg: PlannerConfig;
  active: ReadonlyMap<string, ActiveProbe>;
  probed: readonly ProbedBand[];
  /** Load bands of each VM that already have a learned row. */
  learnedBands: ReadonlyMap<string, ReadonlySet<number>>;
  /** VMs shortage handling holds or acts on this round (never probed, probes on them end). */
  shortageVms: ReadonlySet<string>;
  migrations: readonly MigrationRecord[];
  now: number;
}

export interface ProbePlan {
  actions: Action[];
  /** VMs whose cap is the probe's this round: local tuning must not change it. */
  holding: Set<string>;
}

const DEFAULT_PERIOD_US = 100_000;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The VM's cap now, as the applier reads it (quotaUs −1: uncapped). */
function capOf(v: VmView): { periodUs: number; quotaUs: number } {
  const a = v.vm.allocation;
  const periodUs = a.cpuPeriodUs && a.cpuPeriodUs > 0 ? a.cpuPeriodUs : DEFAULT_PERIOD_US;
  return { periodUs, quotaUs: a.cpuQuotaUs !== undefined && a.cpuQuotaUs > 0 ? a.cpuQuotaUs : -1 };
}

function endProbe(v: VmView, p: ActiveProbe, rule: string, text: string, level: number | undefined): Action {
  return {
    kind: 'set_cpu_cap',
    vm: v.vm.name,
    from: v.vm.host,
    params: { ...p.before },
    before: capOf(v),
    reason: {
      rule,
      text,
      scores: {
        loadBand: p.loadBand,
        ...(p.levelBefore !== undefined ? { levelBefore: r3(p.levelBefore) } : {}),
        ...(level !== undefined ? { level: r3(level) } : {}),
      },
    },
  };
}

/** Probe steps of one (usable) host: end the probes that are due, start at most one. */
export function planProbes(input: ProbeInput): ProbePlan {
  const { hv, cfg, now } = input;
  const pc = cfg.serviceLevel.probe;
  const plan: ProbePlan = { actions: [], holding: new Set() };
  const running = input.vms.filter((v) => v.vm.state === 'running');
  const roomy = hv.load.cpu < cfg.high;
  let probingHere = false;
  for (const v of running) {
    const p = input.active.get(v.vm.name);
    if (!p) continue;
    const level = measuredLevel(v.vm, cfg);
    const rounds = Math.floor((now - p.at) / 1000 / cfg.t2Seconds);
    const fmt = (x: number | undefined) => (x === undefined ? 'unknown' : x.toFixed(2));
    const dropped =
      level === undefined ||
      level < cfg.serviceLevel.minLevel ||
      (p.levelBefore !== undefined && level < p.levelBefore - pc.tolerance);
    let end: Action | undefined;
    if (dropped)
      end = endProbe(
        v,
        p,
        PROBE_ROLLBACK,
        `probe rolled back after ${rounds} round(s): service level ${fmt(level)} (was ${fmt(p.levelBefore)}, minimum ${cfg.serviceLevel.minLevel}, tolerance ${pc.tolerance}); cap back to what it was`,
        level,
      );
    else if (!roomy || input.shortageVms.has(v.vm.name))
      end = endProbe(
        v,
        p,
        PROBE_RESTORE,
        `probe ended early: the host lost its headroom (CPU ${(hv.load.cpu * 100).toFixed(0)} %); cap back to what it was`,
        level,
      );
    else if (rounds >= pc.rounds)
      end = endProbe(
        v,
        p,
        PROBE_RESTORE,
        `probe done: service level ${fmt(level)} held for ${rounds} rounds (was ${fmt(p.levelBefore)}); cap back to what it was, load band probed`,
        level,
      );
    if (end) plan.actions.push(end);
    else {
      plan.holding.add(v.vm.name);
      probingHere = true;
    }
  }
  // One probe per host at a time, none while one is ending, and only with headroom.
  if (!pc.enabled || !cfg.serviceLevel.learnProfiles || probingHere || plan.actions.length > 0 || !roomy)
    return plan;
  for (const v of [...running].sort((a, b) => a.vm.name.localeCompare(b.vm.name))) {
    const start = probeStart(v, input);
    if (start) {
      plan.actions.push(start);
      plan.holding.add(v.vm.name);
      break;
    }
  }
  return plan;
}

/** The probe step of a VM that may be probed now, or undefined. */
function probeStart(v: VmView, input: ProbeInput): Action | undefined {
  const { cfg, now } = input;
  const pc = cfg.serviceLevel.probe;
  const web = v.vm.web;
  const level = measuredLevel(v.vm, cfg);
  if (!web || !(web.requestsPerSecond > 0) || level === undefined || level < cfg.serviceLevel.minLevel)
    return undefined;
  // A configured profile is the operator's; a learned one is extended band by band.
  if (cfg.serviceLevel.profiles.some((p) => !('learned' in p) && matchesVm(p.vm, v.vm.name)))
    return undefined;
  if (input.shortageVms.has(v.vm.name) || input.active.has(v.vm.name)) return undefined;
  if (inCooldown(v.vm.name, input.migrations, now, cfg.cooldownSeconds)) return undefined;
  const band = loadBandOf(web.requestsPerSecond);
  if (input.learnedBands.get(v.vm.name)?.has(band)) return undefined;
  const last = input.probed.find((b) => b.vm === v.vm.name && b.loadBand === band);
  if (last && (now - last.at) / 1000 < pc.repeatAfterSeconds) return undefined;
  // One step below the CPU it uses, at least one CPU band of the learner (so the samples
  // under the probe make a second point of the row), never below the VM's floor.
  const used = v.observedCpu;
  const floor = limitsFor(v.vm.name, cfg).cpuCores.min;
  const cap = used - Math.max(pc.step * used, DEFAULT_LEARNING.cpuBand);
  if (!(cap > 0) || cap < floor) return undefined;
  const before = capOf(v);
  if (capCores(before, v.vm.vcpus) <= cap) return undefined;
  return {
    kind: 'set_cpu_cap',
    vm: v.vm.name,
    from: v.vm.host,
    params: { periodUs: before.periodUs, quotaUs: quotaForCores(cap, before.periodUs, v.vm.vcpus) },
    before,
    reason: {
      rule: PROBE,
      text: `probing: no learned profile for load ${web.requestsPerSecond.toFixed(1)}/s yet; cap ${cap.toFixed(2)} cores (${used.toFixed(2)} used) for ${pc.rounds} rounds, rolled back if the service level (${level.toFixed(2)}) drops`,
      scores: { loadBand: band, levelBefore: r3(level), capCores: r3(cap), usedCores: r3(used) },
    },
  };
}
