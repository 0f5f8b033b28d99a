// Global tuning — the ClusterAgent (SPEC §7, seed 000 algorithm 2, seed 004): evacuate
// maintenance hosts first (in sequence order), then move VMs outside their pin sets back
// in (issue 14), then relieve overloaded hosts, most
// overloaded first, at most `maxMigrationsPerRound` moves. The VM is the one with the best
// relief per pre-copy cost (CPU/disk-bound preferred, memory-dirtying and network-heavy
// penalised, Sandpiper VSR as a tie-break); the destination is checked on the forked
// cluster model: under `high` on every resource after the move, placement rules kept.
import { vmFootprintBytes } from '../../core/model/footprint';
import { RESOURCES, type Resource } from '../../core/model/snapshot';
import type { Action, DeclinedMove, Reason } from '../../core/model/plan';
import type { PreCopyEstimate } from '../../core/model/precopy';
import { ClusterModel } from './cluster-model';
import { matchesVm, type PlannerConfig } from './config';
import type { OperatorConstraints } from './constraints';
import { classifyVm, type VmTraits } from './contention';
import { inCooldown, inFlightMigration, isPingPong, type MigrationRecord } from './guards';
import { classifyHost } from './hotspots';
import { migrationEstimate, streamBandwidthFor } from './migration-cost';
import { hotspotConfidence, loadSpread, moveValue, type MoveValue } from './migration-value';
import { horizonSides } from './horizon';
import type { RoundView, VmView } from './points';
import { orderMigrations } from './sequence';

/** Scores at most this many rejected alternatives into a reason (keeps plans small). */
const MAX_ALTERNATIVES = 5;
/** Scores within this relative margin are ties, broken by VSR. */
const TIE_MARGIN = 0.01;

export interface GlobalInput {
  view: RoundView;
  cfg: PlannerConfig;
  /** Hosts the planner may act on this round (not held). */
  usable: ReadonlySet<string>;
  historyByVm: Map<string, MigrationRecord[]>;
  now: number;
  /** The operator's constraints of the round (decision/constraints.ts): excluded VMs, pin sets. */
  constraints: OperatorConstraints;
}

interface Candidate {
  view: VmView;
  traits: VmTraits;
  cost: PreCopyEstimate;
  relief: number;
  score: number;
  vsr: number;
}

export interface Destination {
  host: string;
  maxLoadAfter: number;
  sharesNonSharable: boolean;
  /** Communication partners of the VM already there. */
  partners: number;
}

/**
 * Among hosts that stay under `high`: no shared non-sharable resource first, then a host
 * with communication partners, then the least loaded after the move (name order on ties).
 */
function betterDestination(a: Destination, b: Destination): boolean {
  if (a.sharesNonSharable !== b.sharesNonSharable) return !a.sharesNonSharable;
  if (a.partners > 0 !== b.partners > 0) return a.partners > 0;
  if (a.maxLoadAfter !== b.maxLoadAfter) return a.maxLoadAfter < b.maxLoadAfter;
  return a.host < b.host;
}

/** Tags a VM carries in the model: non-sharable kinds, group, affinity/anti-affinity rule ids. */
const NO_TAGS: readonly string[] = [];

export function tagsOf(view: VmView, traits: VmTraits, cfg: PlannerConfig): readonly string[] {
  const tags: string[] = [];
  const kinds: Record<string, boolean> = {
    disk: traits.diskHeavy,
    cache: traits.cacheIntensive,
    net: traits.netHeavy,
  };
  for (const k of cfg.nonSharable) if (kinds[k]) tags.push(`ns:${k}`);
  const name = view.vm.name;
  if (view.vm.group) tags.push(`group:${view.vm.group}`);
  for (const g of cfg.communicationGroups)
    if (g.vms.some((p) => matchesVm(p, name))) tags.push(`group:${g.name}`);
  cfg.affinity.forEach((r, i) => r.vms.some((p) => matchesVm(p, name)) && tags.push(`aff:${i}`));
  cfg.antiAffinity.forEach((r, i) => r.vms.some((p) => matchesVm(p, name)) && tags.push(`anti:${i}`));
  return tags.length ? tags : NO_TAGS;
}

export function isMaintenance(host: string, input: Pick<GlobalInput, 'view' | 'cfg'>): boolean {
  return Boolean(input.view.hosts.get(host)?.host.maintenance) || input.cfg.maintenanceHosts.includes(host);
}

/** Sandpiper's volume-to-size ratio on the VM's share of its host. */
export function volumeToSize(view: VmView): number {
  const u = (r: Resource) => Math.min(0.99, view.points[r] / 100);
  const vol = 1 / ((1 - u('cpu')) * (1 - u('mem')) * (1 - u('net')));
  return vol / Math.max(1, view.vm.memoryBytes);
}

/**
 * Relief of moving the VM off a host: the part of each hot resource's excess over `high`
 * its demand removes. Score = relief per second of migration, ×1.25 for CPU/disk-bound
 * VMs, ×0.5 for memory-dirtying or network-heavy ones (moved only when nothing better is).
 */
function rankCandidate(
  view: VmView,
  traits: VmTraits,
  hot: Resource[],
  excess: Record<Resource, number>,
  cfg: PlannerConfig,
): Candidate {
  const cost = migrationEstimate(view.vm, cfg.migration);
  let relief = 0;
  for (const r of hot) relief += Math.min(view.points[r] / 100, excess[r]);
  let factor = 1;
  if (traits.dirtyHeavy || traits.netHeavy) factor *= 0.5;
  else if (traits.cls === 'cpu-bound' || traits.diskHeavy) factor *= 1.25;
  const score = (relief * factor) / (1 + cost.migrationSeconds);
  return { view, traits, cost, relief, score, vsr: volumeToSize(view) };
}

function byScoreThenVsr(a: Candidate, b: Candidate): number {
  const top = Math.max(a.score, b.score);
  if (top > 0 && Math.abs(a.score - b.score) > TIE_MARGIN * top) return b.score - a.score;
  return b.vsr - a.vsr || a.view.vm.name.localeCompare(b.view.vm.name);
}

/**
 * Why the VM may not move at all this round, or undefined. An evacuation (maintenance) is not
 * held by the cooldown — the operator asked for the host emptied — except while the VM's last
 * migration from this host is in flight or failed within it (no second move on top of a
 * running one, no retry storm of a failing one).
 */
function immovable(
  view: VmView,
  model: ClusterModel,
  input: GlobalInput,
  evacuating = false,
): string | undefined {
  if (view.vm.state !== 'running') return `state ${view.vm.state}`;
  const excluded = input.constraints.excluded(view.vm);
  if (excluded) return excluded;
  const past = input.historyByVm.get(view.vm.name) ?? [];
  const { cooldownSeconds } = input.cfg;
  if (evacuating) {
    if (inFlightMigration(view.vm.name, view.vm.host, past, input.now, cooldownSeconds))
      return 'in cooldown: its last migration from this host is in flight or failed';
  } else if (inCooldown(view.vm.name, past, input.now, cooldownSeconds)) return 'in cooldown';
  for (const t of model.vm(view.vm.name).tags)
    if (t.startsWith('aff:') && model.tagCount(view.vm.host, t, view.vm.name) > 0)
      return 'affinity: would split its group';
  return undefined;
}

/**
 * Best destination for the VM on the model, or undefined with the rejections. Hosts where
 * the VM would share a non-sharable resource are used only when no other host fits. An
 * evacuation may send a VM back to a host it left recently (no ping-pong rule): emptying the
 * maintenance host comes first.
 */
function chooseDestination(
  vmName: string,
  model: ClusterModel,
  input: GlobalInput,
  rejected: { candidate: string; rejected: string }[],
  evacuating = false,
): Destination | undefined {
  const { cfg } = input;
  const v = model.vm(vmName);
  const snap = input.view.vms.get(vmName)?.vm ?? { name: vmName };
  const source = v.host;
  const past = input.historyByVm.get(vmName) ?? [];
  const pingPongWindow = cfg.pingPongRounds * cfg.t1Seconds;
  let best: Destination | undefined;
  const reject = (candidate: string, why: string) => {
    if (rejected.length < MAX_ALTERNATIVES) rejected.push({ candidate, rejected: why });
  };
  for (const h of model.hosts.values()) {
    if (h.name === source) continue;
    if (!input.usable.has(h.name)) continue;
    if (isMaintenance(h.name, input)) continue;
    let why: string | undefined;
    let sharesNonSharable = false;
    let together = 0;
    for (const t of v.tags) {
      const there = h.tagCount.get(t) ?? 0;
      if (there === 0) continue;
      if (t.startsWith('anti:')) why = `anti-affinity rule ${t.slice(5)}`;
      else if (t.startsWith('ns:')) sharesNonSharable = true;
      else if (t.startsWith('group:')) together += there;
    }
    if (!why) why = input.constraints.outsidePins(snap, h.name);
    if (!why && !evacuating && isPingPong(vmName, h.name, past, input.now, pingPongWindow))
      why = 'ping-pong: the VM left it recently';
    if (why) {
      reject(h.name, why);
      continue;
    }
    const mark = model.mark();
    model.move(vmName, h.name);
    const after = model.load(h.name);
    const memoryFits = model.memoryFits(h.name);
    model.revert(mark);
    if (!memoryFits) {
      reject(h.name, `not enough free memory for ${vmName} (${h.memoryFree ?? 0} bytes free)`);
      continue;
    }
    const over = RESOURCES.find((r) => after[r] >= cfg.high);
    if (over) {
      reject(h.name, `${over} would be at ${(after[over] * 100).toFixed(0)} % (high ${cfg.high * 100} %)`);
      continue;
    }
    const maxLoadAfter = Math.max(after.cpu, after.mem, after.disk, after.net);
    const cand: Destination = { host: h.name, maxLoadAfter, sharesNonSharable, partners: together };
    if (!best || betterDestination(cand, best)) best = cand;
  }
  if (best?.sharesNonSharable) reject(best.host, 'shares a non-sharable resource (no other host fits)');
  return best;
}

/** The relief/cost comparison as reason scores (VM-seconds of service). */
function valueScores(
  v: MoveValue,
  horizonSeconds: number,
  confidence: number,
  shares: { source: number; destination: number },
): Record<string, number> {
  return {
    reliefVmSeconds: v.reliefVmSeconds,
    costVmSeconds: v.costVmSeconds,
    movingSlowdown: v.movingSlowdown,
    neighbourLoss: v.neighbourLoss,
    horizonSeconds,
    confidence,
    sourcePresentShare: shares.source,
    destinationPresentShare: shares.destination,
  };
}

function migrateAction(
  c: Candidate,
  from: string,
  dest: Destination,
  reason: Omit<Reason, 'scores'> & { scores: Record<string, number> },
): Action {
  return {
    kind: 'migrate',
    vm: c.view.vm.name,
    from,
    to: dest.host,
    params: {},
    reason: {
      ...reason,
      scores: {
        ...reason.scores,
        relief: c.relief,
        score: c.score,
        vsr: c.vsr,
        migrationSeconds: c.cost.migrationSeconds,
        downtimeSeconds: c.cost.downtimeSeconds,
        // the last round alone and the switch-over cost in it: what the journal learns C from
        stopCopySeconds: c.cost.stopCopySeconds,
        switchoverSeconds: c.cost.downtimeSeconds - c.cost.stopCopySeconds,
        destinationMaxLoadAfter: dest.maxLoadAfter,
        destinationPartners: dest.partners,
      },
    },
  };
}

/**
 * Builds the forked model of the round: usable and held hosts alike (held ones are never
 * touched). A VM still in flight (see inFlightMigration) also reserves its demand and tags
 * on its destination, as a phantom `name@inflight` that is never moved.
 */
export function buildModel(
  view: RoundView,
  cfg: PlannerConfig,
  historyByVm: Map<string, MigrationRecord[]> = new Map(),
  now = 0,
): { model: ClusterModel; traits: Map<string, VmTraits> } {
  const model = new ClusterModel();
  const traits = new Map<string, VmTraits>();
  for (const hv of view.hosts.values())
    model.addHost(hv.host.name, hv.host.capacity, hv.demand, hv.host.memoryFreeBytes);
  for (const [name, v] of view.vms) {
    const t = classifyVm(v, view.hosts.get(v.vm.host)?.host.capacity ?? v.demand, cfg);
    traits.set(name, t);
    const tags = tagsOf(v, t, cfg);
    // The one footprint rule (core/model/footprint.ts), as the applier's pre-condition
    // counts it against the same free-memory figure (applier/room.ts freeMemoryBytes).
    const memory = vmFootprintBytes(v.vm);
    model.addVm({ name, host: v.vm.host, demand: v.demand, tags, memory });
    const past = historyByVm.get(name);
    const flight = past && inFlightMigration(name, v.vm.host, past, now, cfg.cooldownSeconds);
    if (flight && model.hosts.has(flight.to)) {
      const dest = model.host(flight.to);
      const d = v.demand;
      dest.demand.cpu += d.cpu;
      dest.demand.mem += d.mem;
      dest.demand.disk += d.disk;
      dest.demand.net += d.net;
      if (dest.memoryFree !== undefined) dest.memoryFree -= memory;
      model.addVm({ name: `${name}@inflight`, host: flight.to, demand: { ...d }, tags });
    }
  }
  return { model, traits };
}

export function planGlobal(input: GlobalInput, declined: DeclinedMove[] = []): Action[] {
  const { view, cfg } = input;
  const budget = cfg.maxMigrationsPerRound;
  const actions: Action[] = [];
  if (budget <= 0) return actions;
  const { model, traits } = buildModel(view, cfg, input.historyByVm, input.now);
  const moved = new Set<string>();

  // 1. Evacuate maintenance hosts, in sequence order.
  for (const hv of view.hosts.values()) {
    const name = hv.host.name;
    if (!input.usable.has(name) || !isMaintenance(name, input)) continue;
    const seq = orderMigrations(
      (view.vmsByHost.get(name) ?? []).map((v) => ({ view: v, traits: traits.get(v.vm.name) as VmTraits })),
    );
    for (const [i, s] of seq.entries()) {
      if (actions.length >= budget) return actions;
      if (immovable(s.view, model, input, true)) continue;
      const rejected: { candidate: string; rejected: string }[] = [];
      const dest = chooseDestination(s.view.vm.name, model, input, rejected, true);
      if (!dest) continue;
      model.move(s.view.vm.name, dest.host);
      model.commit();
      moved.add(s.view.vm.name);
      const c = rankCandidate(s.view, s.traits, [], { cpu: 0, mem: 0, disk: 0, net: 0 }, cfg);
      actions.push(
        migrateAction(c, name, dest, {
          rule: 'global.evacuate',
          text: `evacuate ${name} (maintenance): ${s.view.vm.name} is #${i + 1} of ${seq.length} in migration order → ${dest.host}`,
          scores: { order: i + 1, remaining: seq.length - i - 1 },
          alternatives: rejected,
        }),
      );
    }
  }

  // 2. VMs outside their pin sets back in (a maintenance host's were evacuated above).
  for (const hv of view.hosts.values()) {
    const name = hv.host.name;
    if (!input.usable.has(name) || isMaintenance(name, input)) continue;
    for (const v of view.vmsByHost.get(name) ?? []) {
      if (actions.length >= budget) return actions;
      const outside = input.constraints.outsidePins(v.vm, name);
      if (!outside || moved.has(v.vm.name) || immovable(v, model, input)) continue;
      const rejected: { candidate: string; rejected: string }[] = [];
      const dest = chooseDestination(v.vm.name, model, input, rejected);
      if (!dest) continue;
      model.move(v.vm.name, dest.host);
      model.commit();
      moved.add(v.vm.name);
      const t = traits.get(v.vm.name) as VmTraits;
      const c = rankCandidate(v, t, [], { cpu: 0, mem: 0, disk: 0, net: 0 }, cfg);
      actions.push(
        migrateAction(c, name, dest, {
          rule: 'global.pin',
          text: `${outside}, but runs on ${name}: move it back → ${dest.host}`,
          scores: {},
          alternatives: rejected,
        }),
      );
    }
  }

  // 3. Relieve overloaded hosts, most overloaded first.
  const hotspots = [...view.hosts.values()]
    .filter((hv) => input.usable.has(hv.host.name) && !isMaintenance(hv.host.name, input))
    .map((hv) => ({ hv, verdict: classifyHost(hv.observed, hv.load, cfg, hv.host.alerted === true) }))
    .filter((x) => x.verdict.overloaded)
    .sort((a, b) => b.verdict.severity - a.verdict.severity || a.hv.host.name.localeCompare(b.hv.host.name));
  for (const { hv, verdict } of hotspots) {
    if (actions.length >= budget) break;
    const name = hv.host.name;
    const load = model.load(name);
    // The model already holds this round's earlier moves: skip a host they cooled down.
    if (!verdict.hot.some((r) => load[r] > cfg.high)) continue;
    const excess = { cpu: 0, mem: 0, disk: 0, net: 0 };
    for (const r of verdict.hot) excess[r] = Math.max(0, load[r] - cfg.high);
    const candidates: Candidate[] = [];
    const skipped: { candidate: string; rejected: string }[] = [];
    for (const v of view.vmsByHost.get(name) ?? []) {
      if (moved.has(v.vm.name)) continue;
      const why = immovable(v, model, input);
      if (why) {
        if (skipped.length < MAX_ALTERNATIVES) skipped.push({ candidate: v.vm.name, rejected: why });
        continue;
      }
      const c = rankCandidate(v, traits.get(v.vm.name) as VmTraits, verdict.hot, excess, cfg);
      // A move the pre-copy model says would outlast the applier's migration timeout would
      // be aborted there: not planned (else it is retried after every cooldown, in vain).
      if (c.cost.migrationSeconds > cfg.migration.timeoutSeconds) {
        if (skipped.length < MAX_ALTERNATIVES)
          skipped.push({
            candidate: v.vm.name,
            rejected: `estimated migration ${c.cost.migrationSeconds.toFixed(0)} s > timeout ${cfg.migration.timeoutSeconds} s`,
          });
        continue;
      }
      if (c.relief > 0) candidates.push(c);
    }
    candidates.sort(byScoreThenVsr);
    const confidence = hotspotConfidence(hv.observed, verdict.hot, cfg, hv.host.alerted === true);
    const horizon = cfg.migration.horizonSeconds;
    const tooCostly = new Set<string>();
    for (const [i, c] of candidates.entries()) {
      const rejected: { candidate: string; rejected: string }[] = [];
      const dest = chooseDestination(c.view.vm.name, model, input, rejected);
      if (!dest) continue;
      const past = horizonSides(model, view, c.view, name, dest.host, verdict.hot, cfg);
      const side = (host: string) => {
        const h = model.host(host);
        const spread = loadSpread(view.hosts.get(host)?.observed ?? [], cfg.n);
        return { vms: h.vms.size, cpuCores: h.capacity.cpu, before: model.load(host), spread };
      };
      const src = { ...side(name), ...past.source };
      const dst = { ...side(dest.host), ...past.destination };
      const shares = { source: src.presentShare, destination: dst.presentShare };
      const mark = model.mark();
      model.move(c.view.vm.name, dest.host);
      const after = model.load(name);
      const value = moveValue({
        source: { ...src, after },
        destination: { ...dst, after: model.load(dest.host) },
        hot: verdict.hot,
        estimate: c.cost,
        dirtyRateBytesPerSecond: c.view.vm.dirtyRateBytesPerSecond ?? 0,
        streamBytesPerSecond: streamBandwidthFor(c.view.vm, cfg.migration),
        horizonSeconds: horizon,
        confidence,
      });
      // Cost-aware (issue 12 item 4): a move whose own cost is not below the service it
      // restores over the horizon is declined, with the comparison in its reason.
      if (!(value.reliefVmSeconds > value.costVmSeconds)) {
        model.revert(mark);
        tooCostly.add(c.view.vm.name);
        declined.push({
          vm: c.view.vm.name,
          from: name,
          to: dest.host,
          reason: {
            rule: 'global.hotspot.declined',
            text:
              `${name} hot on ${verdict.hot.join('+')}: moving ${c.view.vm.name} → ${dest.host} would cost ` +
              `${value.costVmSeconds.toFixed(1)} VM-s of service for ${value.reliefVmSeconds.toFixed(1)} VM-s of relief ` +
              `over ${horizon} s (confidence ${confidence.toFixed(2)}` +
              (src.presentShare < 1 || dst.presentShare < 1
                ? `; the load now lasts ${(src.presentShare * 100).toFixed(0)} % of it on ${name}, ${(dst.presentShare * 100).toFixed(0)} % on ${dest.host} by their histories`
                : '') +
              `): not planned` +
              (value.reliefVmSeconds === 0 && verdict.hot.every((r) => src.before[r] <= 1)
                ? ` (its observed demand fits ${name}: local tuning absorbs it)`
                : ''),
            scores: valueScores(value, horizon, confidence, shares),
          },
        });
        continue;
      }
      model.commit();
      moved.add(c.view.vm.name);
      const beaten = candidates
        .filter((o) => o !== c)
        .slice(0, MAX_ALTERNATIVES)
        .map((o) => ({
          candidate: o.view.vm.name,
          score: o.score,
          ...(candidates.indexOf(o) < i
            ? { rejected: tooCostly.has(o.view.vm.name) ? 'cost ≥ relief' : 'no destination fits' }
            : {}),
        }));
      actions.push(
        migrateAction(c, name, dest, {
          rule: 'global.hotspot',
          text:
            `${name} overloaded on ${verdict.hot.join('+')} (${fmtLoads(verdict.hot, load)})` +
            `${hv.host.alerted ? ', reported by Alertmanager' : ''}: ` +
            `move ${c.view.vm.name} (best relief per migration cost) → ${dest.host}`,
          scores: {
            ...valueScores(value, horizon, confidence, shares),
            severity: verdict.severity,
            ...Object.fromEntries(verdict.hot.map((r) => [`source_${r}_before`, load[r]])),
            ...Object.fromEntries(verdict.hot.map((r) => [`source_${r}_after`, after[r]])),
          },
          alternatives: [...beaten, ...skipped, ...rejected].slice(0, 3 * MAX_ALTERNATIVES),
        }),
      );
      break;
    }
  }
  return actions;
}

/**
 * Where a new VM would go (`vmpilot place`, GET /api/v1/place): the destination this
 * planner's rule picks for it (chooseDestination on the forked model, as for an evacuation),
 * and the hosts it rejected with why (at most MAX_ALTERNATIVES). The VM is in the view, on
 * a host outside `usable` that stands for "not placed yet".
 */
export function placeVm(
  input: GlobalInput,
  vmName: string,
): { destination?: Destination; rejected: { candidate: string; rejected: string }[] } {
  const { model } = buildModel(input.view, input.cfg, input.historyByVm, input.now);
  const rejected: { candidate: string; rejected: string }[] = [];
  const destination = chooseDestination(vmName, model, input, rejected);
  return { ...(destination ? { destination } : {}), rejected };
}

function fmtLoads(rs: Resource[], load: Record<Resource, number>): string {
  return rs.map((r) => `${r} ${(load[r] * 100).toFixed(0)} %`).join(', ');
}
