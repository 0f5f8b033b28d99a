// The clairvoyant reference (issue 12 item 7): vmpilot's own planner (local and global
// rounds, same budget, guards and applier, same migration physics) fed the scenario's
// FUTURE demand instead of observations — every VM's usage history is replaced by its true
// demand at `n` instants spread over the next global period, and each host's by the sum of
// its VMs'. Not deployable (production cannot read the future): it is the bound the other
// modes are measured against, and only a simulation can build it (the runner passes the
// oracle).
import type { ClusterSnapshot, ResourceVector } from '../../core/model/snapshot';
import { planGlobalRound, planLocalRound } from '../decision/planner';
import type { Strategy, StrategyInput } from './strategy';

/** True future demand of a VM at an instant (ms since the epoch). */
export type DemandOracle = (vm: string, atMs: number) => ResourceVector;

const add = (a: ResourceVector, b: ResourceVector): ResourceVector => ({
  cpu: a.cpu + b.cpu,
  mem: a.mem + b.mem,
  disk: a.disk + b.disk,
  net: a.net + b.net,
});

/** The snapshot with every history replaced by the future over the next `horizonSeconds`. */
export function foreseenSnapshot(
  snapshot: ClusterSnapshot,
  oracle: DemandOracle,
  now: number,
  horizonSeconds: number,
  samples: number,
): ClusterSnapshot {
  const instants = Array.from(
    { length: samples },
    (_, i) => now + ((i + 1) * horizonSeconds * 1000) / samples,
  );
  const hostSums = new Map<string, ResourceVector[]>(
    snapshot.hosts.map((h) => [h.name, instants.map(() => ({ cpu: 0, mem: 0, disk: 0, net: 0 }))]),
  );
  const vms = snapshot.vms.map((v) => {
    if (v.state === 'shutoff') return v;
    const future = instants.map((t) => oracle(v.name, t));
    const sums = hostSums.get(v.host);
    if (sums) future.forEach((d, i) => (sums[i] = add(sums[i], d)));
    // Its present is the future already: no horizon history (whose present is the past).
    const { horizonCpu: _past, ...rest } = v;
    return {
      ...rest,
      usageHistory: future,
      // The demand is already the whole demand: no backlog boost on top of it.
      ...(v.web ? { web: { ...v.web, throughputPerSecond: v.web.requestsPerSecond } } : {}),
    };
  });
  const hosts = snapshot.hosts.map((h) => ({ ...h, usageHistory: hostSums.get(h.name) ?? [] }));
  return { ...snapshot, hosts, vms };
}

export function clairvoyantStrategy(oracle: DemandOracle): Strategy {
  const foresee = (input: StrategyInput): StrategyInput => ({
    ...input,
    snapshot: foreseenSnapshot(input.snapshot, oracle, input.now, input.config.t1Seconds, input.config.n),
  });
  return {
    name: 'clairvoyant',
    local: (input) => planLocalRound(foresee(input)),
    global: (input) => planGlobalRound(foresee(input)),
  };
}
