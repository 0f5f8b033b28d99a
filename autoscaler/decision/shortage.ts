// Shortage handling (issue 13 item 2, seed 001 §1–2 and §5): when local tuning cannot keep
// every VM's service level ≥ minLevel on a host — the CPU the VMs need for it (smallest cap
// by the service-level model; demand for VMs without an SLI) or their working sets exceed
// the host, in k of the last n observations — and no migration can relieve the host (the
// global planner, asked this round, moves nothing off it), resources are taken from the
// lowest priority first (class, then service-provider weight, then name):
//   1. caps (and balloons, where a memory floor is configured) down to their floors;
//   2. when even every non-critical VM at its floor is not enough, the lowest-priority
//      running VM is stopped: suspended (paused in memory, back at once) for a shortage
//      expected to be short, saved to disk when memory is short (a paused VM keeps its RAM)
//      or the shortage has already lasted saveAfterSeconds (taken as its expected length).
// VMs of class `critical` are never touched. What was taken is given back in priority
// order, highest first, one VM per host and round, once the host has had room for it in k
// of the last n observations: the floors lifted to the values read before, suspended VMs
// resumed, saved ones restored. The steps in effect come from the journal (history), so a
// restarted autoscaler knows what it took.
import type { Action } from '../../core/model/plan';
import { DEFAULT_PRIORITY, priorityRank, yieldsBefore, type VmPriority } from '../../core/model/priority';
import type { HostSnapshot } from '../../core/model/snapshot';
import { limitsFor } from './allocate';
import { matchesVm, type PlannerConfig } from './config';
import { levelBasis, levelModel } from './local';
import type { HostView, VmView } from './points';
import { minimumCap } from './service-level';

/** One completed shortage step from the journal (rule `shortage.*`), oldest first. */
export interface ShortageRecord {
  vm: string;
  host: string;
  /** The step's rule: shortage.floor | shortage.suspend | shortage.save | shortage.release | shortage.resume | shortage.restore. */
  rule: string;
  /** Action kind (set_cpu_cap, set_memory, suspend, save, resume, restore). */
  kind: string;
  at: number;
  params: Record<string, unknown>;
  before: Record<string, unknown> | null;
  /** The VM's needs when the step was taken (cores, bytes). */
  needCores?: number;
  needBytes?: number;
}

/** What the journal says is taken from a VM now. */
export interface TakenState {
  vm: string;
  host: string;
  since: number;
  /** Cap floor in effect, with the cap read before it. */
  capBefore?: { periodUs: number; quotaUs: number };
  /** Balloon floor in effect, with the balloon before it. */
  balloonBefore?: number;
  stopped?: { how: 'suspend' | 'save'; path?: string };
  needCores: number;
  needBytes: number;
}

const FLOOR = 'shortage.floor';

/** Folds the journal's shortage steps into what is still taken, per VM. */
export function takenFromHistory(records: readonly ShortageRecord[]): Map<string, TakenState> {
  const out = new Map<string, TakenState>();
  for (const r of records) {
    let t = out.get(r.vm);
    const start = (): TakenState => {
      const s: TakenState = {
        vm: r.vm,
        host: r.host,
        since: r.at,
        needCores: r.needCores ?? 0,
        needBytes: r.needBytes ?? 0,
      };
      out.set(r.vm, s);
      return s;
    };
    if (r.rule === FLOOR || r.rule === 'shortage.suspend' || r.rule === 'shortage.save') {
      t ??= start();
      t.host = r.host;
      if (r.needCores !== undefined) t.needCores = Math.max(t.needCores, r.needCores);
      if (r.needBytes !== undefined) t.needBytes = Math.max(t.needBytes, r.needBytes);
      if (r.rule === FLOOR && r.kind === 'set_cpu_cap' && !t.capBefore) t.capBefore = capOf(r.before);
      if (r.rule === FLOOR && r.kind === 'set_memory' && t.balloonBefore === undefined)
        t.balloonBefore = typeof r.before?.bytes === 'number' ? r.before.bytes : undefined;
      if (r.rule === 'shortage.suspend') t.stopped = { how: 'suspend' };
      if (r.rule === 'shortage.save')
        t.stopped = { how: 'save', path: typeof r.params.path === 'string' ? r.params.path : undefined };
      continue;
    }
    if (!t) continue;
    if (r.rule === 'shortage.release' && r.kind === 'set_cpu_cap') delete t.capBefore;
    if (r.rule === 'shortage.release' && r.kind === 'set_memory') delete t.balloonBefore;
    if (r.rule === 'shortage.resume' || r.rule === 'shortage.restore') delete t.stopped;
    if (!t.capBefore && t.balloonBefore === undefined && !t.stopped) out.delete(r.vm);
  }
  return out;
}

function capOf(v: Record<string, unknown> | null): { periodUs: number; quotaUs: number } {
  const periodUs = typeof v?.periodUs === 'number' ? v.periodUs : 100_000;
  const quotaUs = typeof v?.quotaUs === 'number' ? v.quotaUs : -1;
  return { periodUs, quotaUs };
}

/** A VM's priority: the first matching config entry, else its domain's metadata, else normal. */
export function priorityOf(vm: { name: string; priority?: VmPriority }, cfg: PlannerConfig): VmPriority {
  const e = cfg.priorities.find((p) => matchesVm(p.vm, vm.name));
  if (e) return { class: e.class, ...(e.weight !== undefined ? { weight: e.weight } : {}) };
  return vm.priority ?? DEFAULT_PRIORITY;
}

export interface ShortageInput {
  host: HostSnapshot;
  hv: HostView;
  /** Every VM on the host (any state). */
  vms: readonly VmView[];
  cfg: PlannerConfig;
  /** What the journal says is taken, per VM (whole cluster). */
  taken: ReadonlyMap<string, TakenState>;
  /** The global planner would move a VM off this host this round: leave it to the migration. */
  migratable: boolean;
  now: number;
}

export interface ShortagePlan {
  actions: Action[];
  /** VMs whose cap / balloon stays at its floor: local tuning must not raise them. */
  cappedAtFloor: Set<string>;
  balloonAtFloor: Set<string>;
  /** The host is short now (for the reason texts and tests). */
  short: boolean;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;

/** CPU (cores) a running VM needs for minLevel, and its working set (bytes). */
export function needsOf(v: VmView, cfg: PlannerConfig): { cores: number; bytes: number } {
  const levelAt = levelModel(v, cfg);
  let cores = Math.min(v.vm.vcpus, v.demand.cpu);
  if (levelAt) {
    const r = minimumCap({
      levelAt,
      target: cfg.serviceLevel.minLevel,
      start: Math.max(0.05, v.observedCpu),
      min: 0.01,
      max: v.vm.vcpus,
      tolerance: 0.01,
    });
    cores = r.met ? r.cap : v.vm.vcpus;
  }
  return { cores, bytes: v.demand.mem };
}

/** Observations (of the last n) in which `ok` holds for the host's observed load. */
function countObs(hv: HostView, n: number, ok: (cpuCores: number, memBytes: number) => boolean): number {
  const obs = hv.host.usageHistory.slice(-n);
  return obs.filter((u) => ok(u.cpu, u.mem)).length;
}

export function planShortage(input: ShortageInput): ShortagePlan {
  const { host, hv, cfg, taken, now } = input;
  const sc = cfg.shortage;
  const plan: ShortagePlan = {
    actions: [],
    cappedAtFloor: new Set(),
    balloonAtFloor: new Set(),
    short: false,
  };
  if (!sc.enabled) return plan;
  const capCpu = host.capacity.cpu;
  const capMem = host.capacity.mem;
  const running = input.vms.filter((v) => v.vm.state === 'running');
  const takenHere = input.vms
    .map((v) => taken.get(v.vm.name))
    .filter((t): t is TakenState => t !== undefined);
  for (const t of takenHere) {
    if (t.capBefore) plan.cappedAtFloor.add(t.vm);
    if (t.balloonBefore !== undefined) plan.balloonAtFloor.add(t.vm);
  }

  const floorCores = (v: VmView) => {
    const min = limitsFor(v.vm.name, cfg).cpuCores.min;
    return Math.min(v.vm.vcpus, min > 0 ? min : sc.minCapCores);
  };
  const floorBytes = (v: VmView) => limitsFor(v.vm.name, cfg).memoryBytes.min;
  // What each running VM takes under the present plan: a VM at its floor takes its floor.
  const needs = new Map(running.map((v) => [v.vm.name, needsOf(v, cfg)]));
  const takes = (v: VmView) => {
    const n = needs.get(v.vm.name) ?? { cores: 0, bytes: 0 };
    const floor = floorBytes(v);
    return {
      cores: plan.cappedAtFloor.has(v.vm.name) ? Math.min(n.cores, floorCores(v)) : n.cores,
      bytes: plan.balloonAtFloor.has(v.vm.name) && floor > 0 ? Math.min(n.bytes, floor) : n.bytes,
    };
  };
  const pausedBytes = input.vms
    .filter((v) => v.vm.state === 'paused')
    .reduce((s, v) => s + (v.vm.allocation.balloonBytes ?? v.vm.memoryBytes), 0);
  let cpuDeficit = running.reduce((s, v) => s + takes(v).cores, 0) - capCpu;
  let memDeficit = running.reduce((s, v) => s + takes(v).bytes, 0) + pausedBytes - capMem;
  const hotCpu = countObs(hv, sc.n, (c) => c > cfg.high * capCpu) >= sc.k;
  const hotMem = countObs(hv, sc.n, (_c, m) => m > cfg.high * capMem) >= sc.k;
  const cpuShort = cpuDeficit > 0 && hotCpu;
  const memShort = memDeficit > 0 && hotMem;
  plan.short = cpuShort || memShort;

  if (plan.short && !input.migratable) {
    const candidates = running
      .filter((v) => priorityOf(v.vm, cfg).class !== 'critical')
      .sort((a, b) =>
        yieldsBefore(
          { ...a.vm, priority: priorityOf(a.vm, cfg) },
          { ...b.vm, priority: priorityOf(b.vm, cfg) },
        ),
      );
    // The shortage as found at the start of the round (the steps below shrink the deficits).
    const shortText = `${cpuShort ? `CPU needed for service level ≥ ${cfg.serviceLevel.minLevel} exceeds ${host.name} by ${round2(Math.max(0, cpuDeficit))} cores` : ''}${cpuShort && memShort ? '; ' : ''}${memShort ? `working sets exceed its memory by ${mib(Math.max(0, memDeficit))}` : ''}`;
    // What the needs rest on (configured or learned profiles, or the model), per VM with an SLI.
    const basis = new Map<string, string[]>();
    for (const v of running)
      if (v.vm.sli) {
        const b = levelBasis(v, cfg);
        basis.set(b, [...(basis.get(b) ?? []), v.vm.name]);
      }
    const basisText = [...basis].map(([b, vms]) => `${b}: ${vms.join(', ')}`).join('; ');
    const deficitText = (): string => (basisText ? `${shortText} (needs by ${basisText})` : shortText);
    // 1. Floors, lowest priority first, until the need fits.
    for (const v of candidates) {
      if (cpuDeficit <= 0 && memDeficit <= 0) break;
      const n = needs.get(v.vm.name) ?? { cores: 0, bytes: 0 };
      const p = priorityOf(v.vm, cfg);
      const a = v.vm.allocation;
      if (cpuDeficit > 0 && !plan.cappedAtFloor.has(v.vm.name)) {
        const floor = floorCores(v);
        const period = a.cpuPeriodUs && a.cpuPeriodUs > 0 ? a.cpuPeriodUs : 100_000;
        const quotaUs = Math.max(1000, Math.round(floor * period));
        const current = a.cpuQuotaUs !== undefined && a.cpuQuotaUs > 0 ? a.cpuQuotaUs : -1;
        if (current === -1 || current > quotaUs) {
          cpuDeficit -= Math.max(0, n.cores - floor);
          plan.cappedAtFloor.add(v.vm.name);
          plan.actions.push({
            kind: 'set_cpu_cap',
            vm: v.vm.name,
            from: host.name,
            params: { periodUs: period, quotaUs },
            before: { periodUs: period, quotaUs: current },
            reason: {
              rule: FLOOR,
              text: `shortage: ${deficitText()}, no migration relieves it; ${v.vm.name} (${p.class}${p.weight !== undefined ? `, weight ${p.weight}` : ''}, lowest priority still above its floor) capped to its floor ${round2(floor)} cores`,
              scores: {
                needCores: n.cores,
                needBytes: n.bytes,
                floorCores: floor,
                priorityRank: priorityRank(p),
              },
            },
          });
        }
      }
      const memFloor = floorBytes(v);
      const balloon = a.balloonBytes ?? v.vm.memoryBytes;
      if (memDeficit > 0 && memFloor > 0 && balloon > memFloor && !plan.balloonAtFloor.has(v.vm.name)) {
        memDeficit -= Math.max(0, Math.min(n.bytes, balloon) - memFloor);
        plan.balloonAtFloor.add(v.vm.name);
        plan.actions.push({
          kind: 'set_memory',
          vm: v.vm.name,
          from: host.name,
          params: { bytes: Math.round(memFloor) },
          before: { bytes: balloon },
          reason: {
            rule: FLOOR,
            text: `shortage: ${deficitText()}; ${v.vm.name} (${p.class}) balloon to its floor ${mib(memFloor)}`,
            scores: {
              needCores: n.cores,
              needBytes: n.bytes,
              floorBytes: memFloor,
              priorityRank: priorityRank(p),
            },
          },
        });
      }
    }
    // 2. Every candidate at its floor and still short: stop the lowest priority.
    const episodeStart = Math.min(now, ...takenHere.map((t) => t.since));
    const lasted = (now - episodeStart) / 1000;
    let stops = 0;
    for (const v of candidates) {
      if ((cpuDeficit <= 0 && memDeficit <= 0) || stops >= sc.maxStopsPerRound) break;
      const n = needs.get(v.vm.name) ?? { cores: 0, bytes: 0 };
      const p = priorityOf(v.vm, cfg);
      const t = takes(v);
      const holds = Math.min(n.bytes, v.vm.allocation.balloonBytes ?? v.vm.memoryBytes);
      const save = memDeficit > 0 || lasted >= sc.saveAfterSeconds;
      const why =
        memDeficit > 0
          ? `save, not suspend: memory is short by ${mib(memDeficit)} and a suspended VM keeps its ${mib(holds)}`
          : lasted >= sc.saveAfterSeconds
            ? `save: the shortage has lasted ${Math.round(lasted)} s ≥ ${sc.saveAfterSeconds} s, so it is expected to last as long again; on disk the VM frees its ${mib(holds)} too`
            : `suspend: the shortage has lasted ${Math.round(lasted)} s < ${sc.saveAfterSeconds} s, expected short; a paused VM resumes at once and memory is not short`;
      const base = {
        vm: v.vm.name,
        from: host.name,
        reason: {
          rule: save ? 'shortage.save' : 'shortage.suspend',
          text: `shortage: ${deficitText()} with every non-critical VM at its floor; ${v.vm.name} (${p.class}${p.weight !== undefined ? `, weight ${p.weight}` : ''}) is the lowest priority running — ${why}`,
          scores: {
            needCores: n.cores,
            needBytes: n.bytes,
            shortageSeconds: lasted,
            priorityRank: priorityRank(p),
          },
        },
      };
      plan.actions.push(
        save
          ? { ...base, kind: 'save', params: { path: `${sc.saveDirectory}/${v.vm.name}.save` } }
          : { ...base, kind: 'suspend', params: {} },
      );
      // Its own lower floor/balloon actions of this round are moot: it stops.
      plan.actions = plan.actions.filter(
        (x) => x.vm !== v.vm.name || x.kind === 'save' || x.kind === 'suspend',
      );
      cpuDeficit -= t.cores;
      if (save) memDeficit -= holds;
      stops++;
    }
    return plan;
  }

  // Not short (or a migration will relieve it): give back, highest priority first, one VM a
  // round, once the host had room for what it would take back in k of the last n observations.
  if (plan.short || takenHere.length === 0) return plan;
  const byVm = new Map(input.vms.map((v) => [v.vm.name, v]));
  const order = takenHere
    .filter((t) => byVm.has(t.vm))
    .sort((a, b) => {
      const va = byVm.get(a.vm) as VmView;
      const vb = byVm.get(b.vm) as VmView;
      return -yieldsBefore(
        { ...va.vm, priority: priorityOf(va.vm, cfg) },
        { ...vb.vm, priority: priorityOf(vb.vm, cfg) },
      );
    });
  const t = order[0];
  if (!t) return plan;
  const v = byVm.get(t.vm) as VmView;
  const nowCores = v.vm.state === 'running' ? Math.min(t.needCores, floorCores(v)) : 0;
  const extraCores = Math.max(0, t.needCores - nowCores);
  const extraBytes = t.stopped?.how === 'save' ? Math.max(t.needBytes, v.vm.allocation.balloonBytes ?? 0) : 0;
  const roomy = countObs(
    hv,
    sc.n,
    (c, m) => c + extraCores <= cfg.high * capCpu && m + extraBytes <= cfg.high * capMem,
  );
  if (roomy < sc.k) return plan;
  const text = `room is back on ${host.name} in ${roomy} of the last ${sc.n} observations for ${t.vm}'s ${round2(extraCores)} cores${extraBytes > 0 ? ` and ${mib(extraBytes)}` : ''} (highest priority of what shortage handling took)`;
  const scores = { extraCores, extraBytes, roomyObservations: roomy };
  if (t.stopped?.how === 'suspend' && v.vm.state === 'paused')
    plan.actions.push({
      kind: 'resume',
      vm: t.vm,
      from: v.vm.host,
      params: {},
      reason: { rule: 'shortage.resume', text: `resume: ${text}`, scores },
    });
  else if (t.stopped?.how === 'save' && t.stopped.path && v.vm.state === 'shutoff')
    plan.actions.push({
      kind: 'restore',
      vm: t.vm,
      from: v.vm.host,
      params: { path: t.stopped.path },
      reason: { rule: 'shortage.restore', text: `restore: ${text}`, scores },
    });
  else if (!t.stopped && v.vm.state === 'running') {
    if (t.capBefore) {
      plan.cappedAtFloor.delete(t.vm);
      plan.actions.push({
        kind: 'set_cpu_cap',
        vm: t.vm,
        from: v.vm.host,
        params: t.capBefore,
        reason: { rule: 'shortage.release', text: `cap back to what it was: ${text}`, scores },
      });
    }
    if (t.balloonBefore !== undefined) {
      plan.balloonAtFloor.delete(t.vm);
      plan.actions.push({
        kind: 'set_memory',
        vm: t.vm,
        from: v.vm.host,
        params: { bytes: t.balloonBefore },
        reason: { rule: 'shortage.release', text: `balloon back to what it was: ${text}`, scores },
      });
    }
  }
  return plan;
}
