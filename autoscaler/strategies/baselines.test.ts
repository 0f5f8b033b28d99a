import type { ClusterSnapshot, HostSnapshot, ResourceVector, VmSnapshot } from '../../core/model/snapshot';
import { defaultDrsConfig, demandRisk, drsRound, imbalance } from './drs';
import {
  ar1Forecast,
  defaultSandpiperConfig,
  isHotspot,
  profileOf,
  sandpiperRound,
  volume,
} from './sandpiper';

const GiB = 1024 ** 3;
const vec = (cpu: number, mem = 0, net = 0, disk = 0): ResourceVector => ({ cpu, mem, disk, net });

function host(
  name: string,
  cpus: number,
  cpuHistory: number[],
  extra: Partial<HostSnapshot> = {},
): HostSnapshot {
  return {
    name,
    cpus,
    capacity: { cpu: cpus, mem: 8 * GiB, disk: 1e8, net: 1e8 },
    usageHistory: cpuHistory.map((c) => vec(c, GiB)),
    up: true,
    ageSeconds: 5,
    ...extra,
  };
}

function vm(
  name: string,
  on: string,
  cpu: number,
  memBytes: number,
  extra: Partial<VmSnapshot> = {},
): VmSnapshot {
  return {
    name,
    host: on,
    state: 'running',
    vcpus: 4,
    memoryBytes: memBytes,
    workload: 'cpu',
    usageHistory: [vec(cpu, memBytes / 2)],
    allocation: { balloonBytes: memBytes },
    ...extra,
  };
}

const snap = (hosts: HostSnapshot[], vms: VmSnapshot[]): ClusterSnapshot => ({
  at: 0,
  intervalSeconds: 10,
  hosts,
  vms,
});
const input = <C>(snapshot: ClusterSnapshot, config: C, staleIntervals = 2) => ({
  snapshot,
  config,
  history: { migrations: [] },
  now: 0,
  staleIntervals,
});

describe('Sandpiper baseline', () => {
  it('volume = 1/((1-cpu)(1-mem)(1-net))', () => {
    expect(volume(0.5, 0.5, 0)).toBeCloseTo(4);
    expect(volume(0, 0, 0)).toBe(1);
  });

  it('AR(1) forecast follows a persistent series and falls back on short ones', () => {
    expect(ar1Forecast([0.9])).toBe(0.9);
    expect(ar1Forecast([0.5, 0.6, 0.7, 0.8, 0.9])).toBeGreaterThan(0.7);
  });

  it('hotspot needs k of the last n over the threshold AND the forecast over it', () => {
    const c = defaultSandpiperConfig();
    expect(isHotspot(host('h', 4, [3.6, 3.7, 3.8, 3.9, 3.9]), c)).toBe(true);
    expect(isHotspot(host('h', 4, [3.9, 3.9, 1, 1, 1]), c)).toBe(false); // only 2 of 5 over 0.85
    // 3 of 5 over, but the AR(1) forecast (pulled towards the window mean) is 0.75: not yet.
    expect(isHotspot(host('h', 4, [1, 1, 3.6, 3.6, 3.6]), c)).toBe(false);
  });

  it('moves the largest-VSR VM of the hot host to the least-loaded host that fits, one per round', () => {
    const hot = host('hot', 4, [3.8, 3.8, 3.8, 3.8, 3.8]);
    const mid = host('mid', 4, [2, 2, 2, 2, 2]);
    const cold = host('cold', 4, [0.4, 0.4, 0.4, 0.4, 0.4]);
    const vms = [
      vm('big-mem', 'hot', 1.5, 4 * GiB), // low VSR: big memory
      vm('small', 'hot', 1.2, 0.5 * GiB), // highest VSR
      vm('other', 'hot', 1.1, 1 * GiB),
    ];
    const plan = sandpiperRound(input(snap([hot, mid, cold], vms), defaultSandpiperConfig()));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ kind: 'migrate', vm: 'small', from: 'hot', to: 'cold' });
    expect(plan.actions[0].reason.rule).toBe('sandpiper.hotspot');
  });

  it('keeps moving VMs off a hotspot until it is no longer hot, within the budget (§6)', () => {
    const hot = host('hot', 4, [3.9, 3.9, 3.9, 3.9, 3.9]);
    const cold = host('cold', 8, [0.4, 0.4, 0.4, 0.4, 0.4]);
    const vms = [vm('a', 'hot', 1.3, GiB), vm('b', 'hot', 1.3, GiB), vm('c', 'hot', 1.3, GiB)];
    const c = { ...defaultSandpiperConfig(), maxMigrationsPerRound: 3 };
    const plan = sandpiperRound(input(snap([hot, cold], vms), c));
    // One move leaves 2.6 of 4 cores (65 %): cool; Sandpiper stops there.
    expect(plan.actions).toHaveLength(1);
    const heavier = [vm('a', 'hot', 1.9, GiB), vm('b', 'hot', 1.9, GiB), vm('c', 'hot', 1.9, GiB)];
    // 5.7 cores of demand: two moves are needed to bring it under 85 %.
    expect(sandpiperRound(input(snap([hot, cold], heavier), c)).actions).toHaveLength(2);
  });

  it('sizes a VM from a high percentile of its observations, not one sample (§5.1)', () => {
    const spiky = vm('s', 'h', 0.2, GiB, { usageHistory: [1, 1.8, 0.4, 1.7, 0.2].map((x) => vec(x, GiB)) });
    // The 95th percentile of the window (1.8), or the AR(1) forecast when higher; not the last 0.2.
    expect(profileOf(spiky, defaultSandpiperConfig()).cpu).toBeGreaterThanOrEqual(1.8);
  });

  it('swaps a hot VM with a smaller one elsewhere when no single move fits (§6), budget permitting', () => {
    const hot = host('hot', 4, [3.8, 3.8, 3.8, 3.8, 3.8]);
    const other = host('other', 8, [5.2, 5.2, 5.2, 5.2, 5.2]);
    const vms = [
      vm('big', 'hot', 2, GiB),
      vm('mid', 'hot', 1.8, 2 * GiB),
      vm('small', 'other', 0.6, GiB),
      vm('o2', 'other', 4.6, 2 * GiB),
    ];
    const one = sandpiperRound(input(snap([hot, other], vms), defaultSandpiperConfig()));
    expect(one.actions).toEqual([]); // nothing fits and a swap needs two migrations
    const two = sandpiperRound(
      input(snap([hot, other], vms), { ...defaultSandpiperConfig(), maxMigrationsPerRound: 2 }),
    );
    expect(two.actions.map((a) => [a.vm, a.from, a.to, a.reason.rule])).toEqual([
      ['big', 'hot', 'other', 'sandpiper.swap'],
      ['small', 'other', 'hot', 'sandpiper.swap'],
    ]);
  });

  it('never uses a maintenance host as destination and evacuates it', () => {
    const m = host('m', 4, [1, 1, 1, 1, 1], { maintenance: true });
    const a = host('a', 4, [1, 1, 1, 1, 1]);
    const plan = sandpiperRound(input(snap([m, a], [vm('x', 'm', 0.5, GiB)]), defaultSandpiperConfig()));
    expect(plan.actions[0]).toMatchObject({
      vm: 'x',
      from: 'm',
      to: 'a',
      reason: { rule: 'sandpiper.evacuate' },
    });
  });
});

describe('DRS baseline', () => {
  it('imbalance is the stddev of normalised host loads', () => {
    const hosts = [host('a', 4, [0]), host('b', 4, [0])];
    const load = new Map([
      ['a', { cpu: 4, mem: 0, disk: 0, net: 0 }],
      ['b', { cpu: 0, mem: 0, disk: 0, net: 0 }],
    ]);
    expect(imbalance(hosts, load)).toBeCloseTo(0.5);
  });

  it('picks the move that lowers the imbalance most, within the budget', () => {
    const a = host('a', 4, [3.4]);
    const b = host('b', 4, [0.2]);
    const vms = [vm('v1', 'a', 2, GiB), vm('v2', 'a', 1.2, GiB), vm('v3', 'b', 0.2, GiB)];
    const plan = drsRound(input(snap([a, b], vms), defaultDrsConfig()));
    expect(plan.actions).toHaveLength(1);
    // Moving v2 (1.2 cores) gives loads 2.2/1.4 → the most balanced of the candidates.
    expect(plan.actions[0]).toMatchObject({
      vm: 'v2',
      from: 'a',
      to: 'b',
      reason: { rule: 'drs.imbalance' },
    });
  });

  it('does nothing when the cluster is within the target imbalance', () => {
    const plan = drsRound(
      input(
        snap([host('a', 4, [2]), host('b', 4, [1.8])], [vm('v1', 'a', 2, GiB), vm('v2', 'b', 1.8, GiB)]),
        defaultDrsConfig(),
      ),
    );
    expect(plan.actions).toEqual([]);
  });

  it('cost–benefit: prefers a cheaper move when the best one would migrate for longer than the horizon', () => {
    const a = host('a', 4, [3.2]);
    const b = host('b', 4, [0.2]);
    // Moving "huge" would balance perfectly, but it is 7 GiB dirtying faster than the link.
    const huge = vm('huge', 'a', 1.5, 7 * GiB, {
      dirtyRateBytesPerSecond: 60 * 1024 ** 2,
      usageHistory: [vec(1.5, GiB / 2)],
    });
    const vms = [huge, vm('w', 'a', 1.7, GiB), vm('z', 'b', 0.2, GiB)];
    const plan = drsRound(input(snap([a, b], vms), defaultDrsConfig()));
    expect(plan.actions.map((x) => x.vm)).toEqual(['w']);
    const withoutCost = drsRound(
      input(snap([a, b], vms), { ...defaultDrsConfig(), benefitHorizonSeconds: 1e9 }),
    );
    expect(withoutCost.actions.map((x) => x.vm)).toEqual(['huge']);
  });
});

describe('DRS cost–benefit and risk (§3.3)', () => {
  const a = host('a', 4, [3.4]);
  const b = host('b', 4, [0.2]);
  it('discounts the gain by the risk that a VM’s demand does not stay: a steady VM moves, a jumpy one of the same load does not', () => {
    const steady = vm('v', 'a', 1.2, GiB, {
      usageHistory: [1.2, 1.2, 1.2, 1.2, 1.2].map((x) => vec(x, GiB / 2)),
    });
    const jumpy = vm('v', 'a', 1.2, GiB, { usageHistory: [4.8, 0, 0, 0, 1.2].map((x) => vec(x, GiB / 2)) });
    expect(demandRisk(steady)).toBe(0);
    expect(demandRisk(jumpy)).toBe(1);
    const others = [
      vm('w', 'a', 2.2, 8 * GiB, { dirtyRateBytesPerSecond: 80 * 1024 ** 2 }),
      vm('z', 'b', 0.2, GiB),
    ];
    expect(
      drsRound(input(snap([a, b], [steady, ...others]), defaultDrsConfig())).actions.map((x) => x.vm),
    ).toEqual(['v']);
    expect(drsRound(input(snap([a, b], [jumpy, ...others]), defaultDrsConfig())).actions).toEqual([]);
  });

  it('makes several moves in one pass within the budget, each kept only when benefit > cost', () => {
    const c = host('c', 4, [0.2]);
    const vms = [
      vm('v1', 'a', 1.1, GiB),
      vm('v2', 'a', 1.1, GiB),
      vm('v3', 'a', 1.1, GiB),
      vm('z', 'b', 0.1, GiB),
      vm('y', 'c', 0.1, GiB),
    ];
    const plan = drsRound(input(snap([a, b, c], vms), { ...defaultDrsConfig(), maxMigrationsPerRound: 3 }));
    expect(plan.actions.length).toBe(2);
    for (const x of plan.actions)
      expect(x.reason.scores?.benefit).toBeGreaterThan(x.reason.scores?.cost ?? Infinity);
  });
});

describe("baselines: held hosts by the planner's rule (planner.staleIntervals)", () => {
  const a = host('a', 4, [3.6, 3.6, 3.6, 3.6, 3.6]);
  const b = host('b', 4, [0.2, 0.2, 0.2, 0.2, 0.2], { ageSeconds: 25 });
  const vms = [vm('v1', 'a', 1.8, GiB), vm('v2', 'a', 1.8, GiB), vm('z', 'b', 0.2, GiB)];

  it('holds a host older than 2 intervals by default and moves nothing to it', () => {
    for (const plan of [
      sandpiperRound(input(snap([a, b], vms), defaultSandpiperConfig())),
      drsRound(input(snap([a, b], vms), defaultDrsConfig())),
    ]) {
      expect(plan.held).toEqual([{ host: 'b', code: 'stale', reason: 'stale data: 25 s old (limit 20 s)' }]);
      expect(plan.actions).toEqual([]);
    }
  });

  it('uses the host again when staleIntervals is raised', () => {
    for (const plan of [
      sandpiperRound(input(snap([a, b], vms), defaultSandpiperConfig(), 3)),
      drsRound(input(snap([a, b], vms), defaultDrsConfig(), 3)),
    ]) {
      expect(plan.held).toEqual([]);
      expect(plan.actions.map((x) => x.to)).toEqual(['b']);
    }
  });
});

describe('baselines: destination fit by the footprint rule against the reported free memory', () => {
  const a = host('a', 4, [3.6, 3.6, 3.6, 3.6, 3.6]);
  // Each VM's guest uses 1 GiB of its 2 GiB balloon.
  const vms = [
    vm('v1', 'a', 1.8, 2 * GiB, { memoryUnusedBytes: GiB }),
    vm('v2', 'a', 1.8, 2 * GiB, { memoryUnusedBytes: GiB }),
    vm('z', 'b', 0.2, GiB),
  ];
  const rounds = (b: HostSnapshot) => [
    sandpiperRound(input(snap([a, b], vms), defaultSandpiperConfig())),
    drsRound(input(snap([a, b], vms), defaultDrsConfig())),
  ];

  it('moves a VM whose footprint (balloon − unused) fits in what the hypervisor reports free', () => {
    for (const plan of rounds(host('b', 4, [0.2, 0.2, 0.2, 0.2, 0.2], { memoryFreeBytes: 1.5 * GiB })))
      expect(plan.actions.map((x) => x.to)).toEqual(['b']);
  });

  it('moves nothing when the footprint exceeds it', () => {
    for (const plan of rounds(host('b', 4, [0.2, 0.2, 0.2, 0.2, 0.2], { memoryFreeBytes: 0.5 * GiB })))
      expect(plan.actions).toEqual([]);
  });
});
