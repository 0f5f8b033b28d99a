// Sandpiper-style black-box balancing (Wood et al., "Black-box and Gray-box Strategies
// for Virtual Machine Migration", NSDI 2007), on vmpilot's snapshot:
// - hotspot: a host is hot when some resource (cpu, mem, net) exceeds the threshold in at
//   least k of the last n observations AND its forecast for the next interval (the paper
//   uses an AR model; here AR(1) fitted on the same window) exceeds it too;
// - volume of a VM or host: vol = 1/((1-cpu)(1-mem)(1-net)) on utilisations; a VM's
//   volume-to-size ratio VSR = vol / memory;
// - migration: hosts in decreasing volume; from the hottest host, VMs in decreasing VSR;
//   the first VM that fits moves to the least-loaded (lowest-volume) host that can take it
//   without crossing the threshold. One migration per round (the shared budget). The
//   paper's swap step (exchanging two VMs when no move fits) is left out: it needs
//   two migrations, more than the budget allows.
// Sandpiper has no maintenance mode and no ping-pong guard; maintenance hosts are
// evacuated by the same greedy rule (operator action shared by every mode) and are never
// destinations.
import type { Action, Plan } from '../../core/model/plan';
import type { HostSnapshot, VmSnapshot } from '../../core/model/snapshot';
import {
  LOAD_RESOURCES,
  footprintOf,
  freeMemory,
  heldHosts,
  latest,
  memoryOf,
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
}

export const defaultSandpiperConfig = (): SandpiperConfig => ({
  threshold: 0.85,
  k: 3,
  n: 5,
  maxMigrationsPerRound: 1,
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

export function volume(cpu: number, mem: number, net: number): number {
  const f = (u: number) => 1 - Math.min(0.99, Math.max(0, u));
  return 1 / (f(cpu) * f(mem) * f(net));
}

function hostUtil(h: HostSnapshot): { cpu: number; mem: number; net: number } {
  const s = latest(h.usageHistory);
  return { cpu: utilisation(h, s, 'cpu'), mem: utilisation(h, s, 'mem'), net: utilisation(h, s, 'net') };
}

export function isHotspot(h: HostSnapshot, c: SandpiperConfig): boolean {
  const window = h.usageHistory.slice(-c.n);
  return LOAD_RESOURCES.some((r) => {
    const series = window.map((s) => utilisation(h, s, r));
    const over = series.filter((u) => u > c.threshold).length;
    return over >= c.k && ar1Forecast(series) > c.threshold;
  });
}

function vmUtil(v: VmSnapshot, h: HostSnapshot) {
  const s = latest(v.usageHistory);
  return { cpu: utilisation(h, s, 'cpu'), mem: utilisation(h, s, 'mem'), net: utilisation(h, s, 'net') };
}

export function sandpiperRound(input: BaselineInput<SandpiperConfig>): Plan {
  const { snapshot, config: c } = input;
  const hosts = usableHosts(input);
  const actions: Action[] = [];
  const sources = hosts
    .filter((h) => h.maintenance || isHotspot(h, c))
    .map((h) => ({ h, vol: volume(hostUtil(h).cpu, hostUtil(h).mem, hostUtil(h).net) }))
    .sort((a, b) => Number(b.h.maintenance ?? false) - Number(a.h.maintenance ?? false) || b.vol - a.vol);
  // Planned load of each host, updated after each planned move.
  const load = new Map(hosts.map((h) => [h.name, { ...latest(h.usageHistory) }]));
  const free = new Map(hosts.map((h) => [h.name, freeMemory(snapshot, h)]));
  for (const { h: src } of sources) {
    if (actions.length >= c.maxMigrationsPerRound) break;
    const candidates = movable(snapshot, src.name)
      .map((v) => {
        const u = vmUtil(v, src);
        return { v, vsr: volume(u.cpu, u.mem, u.net) / Math.max(1, memoryOf(v)) };
      })
      .sort((a, b) => b.vsr - a.vsr);
    for (const { v, vsr } of candidates) {
      const demand = latest(v.usageHistory);
      const dests = hosts
        .filter((d) => d.name !== src.name && !d.maintenance && (free.get(d.name) ?? 0) >= footprintOf(v))
        .filter((d) => {
          const l = load.get(d.name)!;
          return LOAD_RESOURCES.every((r) => (l[r] + demand[r]) / d.capacity[r] <= c.threshold);
        })
        .map((d) => {
          const l = load.get(d.name)!;
          return { d, vol: volume(l.cpu / d.capacity.cpu, l.mem / d.capacity.mem, l.net / d.capacity.net) };
        })
        .sort((a, b) => a.vol - b.vol);
      const best = dests[0];
      if (!best) continue;
      actions.push({
        kind: 'migrate',
        vm: v.name,
        from: src.name,
        to: best.d.name,
        params: {},
        reason: {
          rule: src.maintenance ? 'sandpiper.evacuate' : 'sandpiper.hotspot',
          text: `${src.name} ${src.maintenance ? 'in maintenance' : 'is a hotspot'}: move the largest-VSR VM ${v.name} to the least-loaded host ${best.d.name}`,
          scores: { vsr: vsr * 2 ** 30, destinationVolume: best.vol },
          alternatives: dests
            .slice(1, 4)
            .map((x) => ({ candidate: x.d.name, score: x.vol, rejected: 'higher volume' })),
        },
      });
      const l = load.get(best.d.name)!;
      for (const r of LOAD_RESOURCES) l[r] += demand[r];
      free.set(best.d.name, (free.get(best.d.name) ?? 0) - footprintOf(v));
      break;
    }
  }
  return { at: input.now, held: heldHosts(input), actions };
}
