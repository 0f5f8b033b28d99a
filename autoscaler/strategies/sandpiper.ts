// Sandpiper-style black-box balancing (Wood, Shenoy, Venkataramani, Yousif, "Black-box and
// Gray-box Strategies for Virtual Machine Migration", NSDI 2007), on vmpilot's snapshot:
// - profiles (§3.3, §5.1): a VM's need for a resource is read from the distribution of its
//   observations over the window, at a high percentile (`profilePercentile`, the paper's
//   example is the 95th), or the AR forecast when that is higher — not one 10-s sample;
// - hotspot (§4): some resource (cpu, mem, net) above the threshold in at least k of the
//   last n observations AND in the forecast for the next interval (the paper fits an AR
//   model; here AR(1) on the same window);
// - volume (§6): vol = 1/((1-cpu)(1-mem)(1-net)); a VM's volume-to-size ratio VSR =
//   vol / memory;
// - mitigation (§6): hotspots in decreasing volume; from each, VMs in decreasing VSR, each
//   to the least-loaded (lowest-volume) host that absorbs its profile without crossing the
//   threshold, and Sandpiper keeps moving until the hotspot is gone; when no single move
//   fits, a swap: a high-VSR VM of the hot host exchanged with a lower-volume VM of another
//   host when both hosts end under the threshold (two migrations, so only within a budget
//   of two or more). All within the round's migration budget (the shared
//   `maxMigrationsPerRound`; the applier's concurrency limit applies after).
// - in flight: a VM still migrating is reserved on its destination (as the planner does).
// Sandpiper has no maintenance mode and no ping-pong guard; maintenance hosts are
// evacuated by the same greedy rule (operator action shared by every mode) and are never
// destinations.
import type { Action, Plan } from '../../core/model/plan';
import type { HostSnapshot, Resource, ResourceVector, VmSnapshot } from '../../core/model/snapshot';
import {
  LOAD_RESOURCES,
  footprintOf,
  freeMemory,
  heldHosts,
  inFlightReservations,
  memoryOf,
  mayRunOn,
  movable,
  usableHosts,
  utilisation,
  type BaselineInput,
} from './common';

export interface SandpiperConfig {
  threshold: number;
  k: number;
  n: number;
  maxMigrationsPerRound: number;
  /** Percentile of a VM's observed distribution taken as its need (§5.1). */
  profilePercentile: number;
}

export const defaultSandpiperConfig = (): SandpiperConfig => ({
  threshold: 0.85,
  k: 3,
  n: 5,
  maxMigrationsPerRound: 1,
  profilePercentile: 0.95,
});

/** AR(1) one-step forecast of a series (the mean when the fit is degenerate). */
export function ar1Forecast(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  if (xs.length < 3) return xs[xs.length - 1];
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 1; i < xs.length; i++) {
    num += (xs[i] - mean) * (xs[i - 1] - mean);
    den += (xs[i - 1] - mean) ** 2;
  }
  const phi = den > 0 ? Math.max(-1, Math.min(1, num / den)) : 0;
  return mean + phi * (xs[xs.length - 1] - mean);
}

/** The q-quantile of a sample (nearest rank); 0 for an empty one. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function volume(cpu: number, mem: number, net: number): number {
  const f = (u: number) => 1 - Math.min(0.99, Math.max(0, u));
  return 1 / (f(cpu) * f(mem) * f(net));
}

/** A VM's profiled need per resource: max(high percentile of its window, AR(1) forecast). */
export function profileOf(v: VmSnapshot, c: SandpiperConfig): ResourceVector {
  const need = (r: Resource) => {
    const xs = v.usageHistory.map((s) => s[r]);
    return Math.max(percentile(xs, c.profilePercentile), ar1Forecast(xs));
  };
  return { cpu: need('cpu'), mem: need('mem'), disk: need('disk'), net: need('net') };
}

export function isHotspot(h: HostSnapshot, c: SandpiperConfig): boolean {
  const window = h.usageHistory.slice(-c.n);
  return LOAD_RESOURCES.some((r) => {
    const series = window.map((s) => utilisation(h, s, r));
    const over = series.filter((u) => u > c.threshold).length;
    return over >= c.k && ar1Forecast(series) > c.threshold;
  });
}

type Load = Map<string, ResourceVector>;

function volumeOf(h: HostSnapshot, l: ResourceVector): number {
  return volume(l.cpu / h.capacity.cpu, l.mem / h.capacity.mem, l.net / h.capacity.net);
}

function fits(h: HostSnapshot, l: ResourceVector, c: SandpiperConfig): boolean {
  return LOAD_RESOURCES.every((r) => l[r] / h.capacity[r] <= c.threshold);
}

const plus = (a: ResourceVector, b: ResourceVector, sign = 1): ResourceVector => ({
  cpu: a.cpu + sign * b.cpu,
  mem: a.mem + sign * b.mem,
  disk: a.disk + sign * b.disk,
  net: a.net + sign * b.net,
});

export function sandpiperRound(input: BaselineInput<SandpiperConfig>): Plan {
  const { snapshot, config: c } = input;
  const hosts = usableHosts(input);
  const actions: Action[] = [];
  const profiles = new Map(snapshot.vms.map((v) => [v.name, profileOf(v, c)]));
  const need = (v: VmSnapshot) => profiles.get(v.name) as ResourceVector;
  // Planned load of each host from the VMs' profiles (and the VMs in flight to it).
  const load: Load = new Map(hosts.map((h) => [h.name, { cpu: 0, mem: 0, disk: 0, net: 0 }]));
  const placement = new Map<string, string>();
  for (const v of snapshot.vms) {
    const l = load.get(v.host);
    if (!l || v.state === 'shutoff') continue;
    load.set(v.host, plus(l, need(v)));
    placement.set(v.name, v.host);
  }
  for (const r of inFlightReservations(input)) {
    const l = load.get(r.to);
    const v = snapshot.vms.find((x) => x.name === r.vm);
    if (l && v) load.set(r.to, plus(l, need(v)));
  }
  const free = new Map(hosts.map((h) => [h.name, freeMemory(snapshot, h)]));
  const budgetLeft = () => c.maxMigrationsPerRound - actions.length;
  const moved = new Set<string>();
  const move = (v: VmSnapshot, from: HostSnapshot, to: HostSnapshot, reason: Action['reason']) => {
    load.set(from.name, plus(load.get(from.name)!, need(v), -1));
    load.set(to.name, plus(load.get(to.name)!, need(v)));
    free.set(to.name, (free.get(to.name) ?? 0) - footprintOf(v));
    free.set(from.name, (free.get(from.name) ?? 0) + footprintOf(v));
    placement.set(v.name, to.name);
    moved.add(v.name);
    actions.push({ kind: 'migrate', vm: v.name, from: from.name, to: to.name, params: {}, reason });
  };
  const vsrOf = (v: VmSnapshot, h: HostSnapshot) => {
    const n = need(v);
    return (
      volume(n.cpu / h.capacity.cpu, n.mem / h.capacity.mem, n.net / h.capacity.net) /
      Math.max(1, memoryOf(v))
    );
  };
  const stillHot = (h: HostSnapshot) => h.maintenance || !fits(h, load.get(h.name)!, c);

  const sources = hosts
    .filter((h) => h.maintenance || isHotspot(h, c))
    .sort(
      (a, b) =>
        Number(b.maintenance ?? false) - Number(a.maintenance ?? false) ||
        volumeOf(b, load.get(b.name)!) - volumeOf(a, load.get(a.name)!),
    );
  for (const src of sources) {
    // §6: keep moving VMs off this host until it is no longer hot.
    while (budgetLeft() > 0 && stillHot(src)) {
      const candidates = movable(input, src.name)
        .filter((v) => !moved.has(v.name))
        .map((v) => ({ v, vsr: vsrOf(v, src) }))
        .sort((a, b) => b.vsr - a.vsr || a.v.name.localeCompare(b.v.name));
      let done = false;
      for (const { v, vsr } of candidates) {
        const dests = hosts
          .filter((d) => d.name !== src.name && !d.maintenance && (free.get(d.name) ?? 0) >= footprintOf(v))
          .filter((d) => mayRunOn(input, v, d.name))
          .filter((d) => fits(d, plus(load.get(d.name)!, need(v)), c))
          .map((d) => ({ d, vol: volumeOf(d, load.get(d.name)!) }))
          .sort((a, b) => a.vol - b.vol || a.d.name.localeCompare(b.d.name));
        const best = dests[0];
        if (!best) continue;
        move(v, src, best.d, {
          rule: src.maintenance ? 'sandpiper.evacuate' : 'sandpiper.hotspot',
          text: `${src.name} ${src.maintenance ? 'in maintenance' : 'is a hotspot'}: move the largest-VSR VM ${v.name} to the least-loaded host ${best.d.name}`,
          scores: { vsr: vsr * 2 ** 30, destinationVolume: best.vol },
          alternatives: dests
            .slice(1, 4)
            .map((x) => ({ candidate: x.d.name, score: x.vol, rejected: 'higher volume' })),
        });
        done = true;
        break;
      }
      if (done) continue;
      // §6 swap: no single move fits; exchange a high-VSR VM with a smaller one elsewhere.
      if (src.maintenance || budgetLeft() < 2 || !swap(src)) break;
    }
    if (budgetLeft() <= 0) break;
  }
  return { at: input.now, held: heldHosts(input), actions };

  function swap(src: HostSnapshot): boolean {
    const hot = movable(input, src.name)
      .filter((v) => !moved.has(v.name))
      .sort((a, b) => vsrOf(b, src) - vsrOf(a, src) || a.name.localeCompare(b.name));
    const others = hosts
      .filter((d) => d.name !== src.name && !d.maintenance)
      .sort((a, b) => volumeOf(a, load.get(a.name)!) - volumeOf(b, load.get(b.name)!));
    for (const v of hot)
      for (const d of others) {
        if (!mayRunOn(input, v, d.name)) continue;
        const cold = movable(input, d.name)
          .filter(
            (w) => placement.get(w.name) === d.name && !moved.has(w.name) && mayRunOn(input, w, src.name),
          )
          .sort((a, b) => vsrOf(a, d) - vsrOf(b, d) || a.name.localeCompare(b.name));
        for (const w of cold) {
          const srcAfter = plus(plus(load.get(src.name)!, need(v), -1), need(w));
          const dstAfter = plus(plus(load.get(d.name)!, need(w), -1), need(v));
          if (volumeOf(src, srcAfter) >= volumeOf(src, load.get(src.name)!)) continue;
          if (!fits(src, srcAfter, c) || !fits(d, dstAfter, c)) continue;
          const roomD = (free.get(d.name) ?? 0) + footprintOf(w) - footprintOf(v);
          const roomS = (free.get(src.name) ?? 0) + footprintOf(v) - footprintOf(w);
          if (roomD < 0 || roomS < 0) continue;
          const why = `${src.name} is a hotspot and no single move fits: swap ${v.name} with ${w.name} of ${d.name}`;
          move(v, src, d, { rule: 'sandpiper.swap', text: why, scores: { vsr: vsrOf(v, src) * 2 ** 30 } });
          move(w, d, src, { rule: 'sandpiper.swap', text: why, scores: { vsr: vsrOf(w, d) * 2 ** 30 } });
          return true;
        }
      }
    return false;
  }
}
