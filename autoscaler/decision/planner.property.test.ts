// Property tests of the planner on random clusters, histories and configs (fast-check).
import fc from 'fast-check';
import type { ClusterSnapshot, VmSnapshot } from '../../core/model/snapshot';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { defaultPlannerConfig, type PlannerConfig } from './config';
import { buildModel } from './global';
import { inCooldown, inFlightMigration, indexHistory, isPingPong } from './guards';
import { buildRoundView } from './points';
import { planGlobalRound, planLocalRound, type PlannerHistory } from './planner';
import { hotCount } from './hotspots';
import { migrationEstimate, streamBandwidthFor } from './migration-cost';
import { moveValue } from './migration-value';
import { RESOURCES, type Resource, type ResourceVector } from '../../core/model/snapshot';

const NOW = 10_000_000;
const KINDS = ['web', 'cpu', 'memory-dirty', 'disk', 'net', 'mixed'] as const;

const hostArb = fc.record({
  cpus: fc.integer({ min: 2, max: 16 }),
  memGiB: fc.integer({ min: 4, max: 64 }),
  maintenance: fc.boolean(),
  // Alertmanager reports it hot (skips the planner's own k-of-n): the invariants still hold.
  alerted: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  stale: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
});

const vmArb = fc.record({
  host: fc.nat(),
  cpu: fc.double({ min: 0, max: 8, noNaN: true }),
  memGiB: fc.double({ min: 0, max: 16, noNaN: true }),
  disk: fc.double({ min: 0, max: 150e6, noNaN: true }),
  net: fc.double({ min: 0, max: 100e6, noNaN: true }),
  memoryGiB: fc.integer({ min: 1, max: 16 }),
  kind: fc.constantFrom(...KINDS),
  dirty: fc.double({ min: 0, max: 200e6, noNaN: true }),
  mpki: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { nil: undefined }),
  shares: fc.integer({ min: 2, max: 8192 }),
  jitter: fc.array(fc.double({ min: 0.5, max: 1.5, noNaN: true }), { minLength: 5, maxLength: 5 }),
});

const clusterArb = fc
  .record({
    hosts: fc.array(hostArb, { minLength: 2, maxLength: 8 }),
    vms: fc.array(vmArb, { minLength: 0, maxLength: 40 }),
    moves: fc.array(
      fc.record({ vm: fc.nat(), from: fc.nat(), to: fc.nat(), ago: fc.integer({ min: 0, max: 3000 }) }),
      { maxLength: 10 },
    ),
  })
  .map(({ hosts, vms, moves }) => {
    const hostNames = hosts.map((_, i) => `h${i}`);
    const hs = hosts.map((h, i) =>
      hostOf(hostNames[i], h.cpus, h.memGiB, undefined, {
        maintenance: h.maintenance || undefined,
        alerted: h.alerted || undefined,
        ageSeconds: h.stale ? 100 : 0,
      }),
    );
    const vs: VmSnapshot[] = vms.map((v, i) => ({
      ...vmOf(`vm${i}`, hostNames[v.host % hostNames.length], vec(v.cpu, v.memGiB * GiB, v.disk, v.net), {
        workload: v.kind,
        memoryBytes: v.memoryGiB * GiB,
        dirtyRateBytesPerSecond: v.dirty,
        cacheMissesPerKiloInstruction: v.mpki,
        allocation: { cpuShares: v.shares, balloonBytes: v.memoryGiB * GiB },
      }),
      usageHistory: v.jitter.map((j) => vec(v.cpu * j, v.memGiB * GiB, v.disk * j, v.net * j)),
    }));
    const snapshot: ClusterSnapshot = snapshotOf(hs, vs, NOW);
    const history: PlannerHistory = {
      migrations: vs.length
        ? moves.map((m) => ({
            vm: vs[m.vm % vs.length].name,
            from: hostNames[m.from % hostNames.length],
            to: hostNames[m.to % hostNames.length],
            at: NOW - m.ago * 1000,
          }))
        : [],
    };
    return { snapshot, history };
  });

const configArb = fc
  .record({
    maxMigrationsPerRound: fc.integer({ min: 0, max: 4 }),
    high: fc.double({ min: 0.5, max: 0.95, noNaN: true }),
    k: fc.integer({ min: 1, max: 3 }),
    cooldownSeconds: fc.integer({ min: 0, max: 1200 }),
    pingPongRounds: fc.integer({ min: 0, max: 10 }),
    hysteresis: fc.double({ min: 0, max: 0.3, noNaN: true }),
    shareFloor: fc.integer({ min: 2, max: 1024 }),
    shareCeiling: fc.integer({ min: 1024, max: 4096 }),
    memFloorGiB: fc.double({ min: 0, max: 2, noNaN: true }),
  })
  .map((c): PlannerConfig =>
    defaultPlannerConfig({
      maxMigrationsPerRound: c.maxMigrationsPerRound,
      high: c.high,
      low: c.high / 2,
      k: c.k,
      n: 5,
      cooldownSeconds: c.cooldownSeconds,
      pingPongRounds: c.pingPongRounds,
      hysteresis: c.hysteresis,
      vmLimits: [
        { vm: 'vm*', cpuShares: { min: c.shareFloor, max: c.shareCeiling } },
        { vm: 'vm1*', memoryBytes: { min: c.memFloorGiB * GiB } },
      ],
    }),
  );

describe('global plan properties', () => {
  it('stays within the budget, never over high after the move, never moves a VM in cooldown or back to where it came from (but a drain)', () => {
    let plansWithMoves = 0;
    fc.assert(
      fc.property(clusterArb, configArb, ({ snapshot, history }, cfg) => {
        const plan = planGlobalRound({ snapshot, config: cfg, history, now: NOW });
        expect(plan.actions.length).toBeLessThanOrEqual(cfg.maxMigrationsPerRound);
        if (plan.actions.length > 0) plansWithMoves++;
        // Replay the plan on a fresh forked model of the same round.
        const { model } = buildModel(
          buildRoundView(snapshot, cfg),
          cfg,
          indexHistory(history.migrations),
          NOW,
        );
        const held = new Set(plan.held.map((h) => h.host));
        const moved = new Set<string>();
        for (const a of plan.actions) {
          expect(a.kind).toBe('migrate');
          expect(a.to).toBeDefined();
          const to = a.to as string;
          expect(to).not.toBe(a.from);
          expect(held.has(to) || held.has(a.from)).toBe(false);
          expect(snapshot.hosts.find((h) => h.name === to)?.maintenance).toBeFalsy();
          expect(moved.has(a.vm)).toBe(false);
          moved.add(a.vm);
          if (a.reason.rule === 'global.evacuate') {
            // A maintenance drain is not held by the cooldown or the ping-pong rule (the
            // operator asked for the host emptied), only by its own move off it still running
            // or failed within the cooldown.
            expect(snapshot.hosts.find((h) => h.name === a.from)?.maintenance).toBe(true);
            expect(
              inFlightMigration(a.vm, a.from, history.migrations, NOW, cfg.cooldownSeconds),
            ).toBeUndefined();
          } else {
            expect(inCooldown(a.vm, history.migrations, NOW, cfg.cooldownSeconds)).toBe(false);
            expect(isPingPong(a.vm, to, history.migrations, NOW, cfg.pingPongRounds * cfg.t1Seconds)).toBe(
              false,
            );
          }
          expect(model.vm(a.vm).host).toBe(a.from);
          model.move(a.vm, to);
          const load = model.load(to);
          for (const r of ['cpu', 'mem', 'disk', 'net'] as const) expect(load[r]).toBeLessThan(cfg.high);
          expect(a.reason.rule).toMatch(/^global\./);
        }
      }),
      { numRuns: 300 },
    );
    // The generator must exercise moves, or the checks above prove nothing.
    expect(plansWithMoves).toBeGreaterThan(30);
  });
});

/** Standard deviation per resource of the last n observed loads (computed here, not by the planner). */
function spreadOf(observed: readonly ResourceVector[], n: number): ResourceVector {
  const recent = observed.slice(-n);
  const out = vec(0, 0);
  if (recent.length < 2) return out;
  for (const r of RESOURCES) {
    const m = recent.reduce((a, o) => a + o[r], 0) / recent.length;
    out[r] = Math.sqrt(recent.reduce((a, o) => a + (o[r] - m) ** 2, 0) / recent.length);
  }
  return out;
}

/** Fresh, busy clusters: hosts often above `high` and often above capacity, VMs of every size and dirty rate. */
const busyClusterArb = fc
  .record({
    hosts: fc.array(fc.integer({ min: 4, max: 16 }), { minLength: 2, maxLength: 6 }),
    vms: fc.array(
      fc.record({
        host: fc.nat(),
        cpu: fc.double({ min: 0.1, max: 3, noNaN: true }),
        memoryGiB: fc.integer({ min: 1, max: 16 }),
        kind: fc.constantFrom(...KINDS),
        dirty: fc.double({ min: 0, max: 100e6, noNaN: true }),
        jitter: fc.array(fc.double({ min: 0.7, max: 1.3, noNaN: true }), { minLength: 5, maxLength: 5 }),
      }),
      { minLength: 4, maxLength: 30 },
    ),
  })
  .map(({ hosts, vms }) => {
    const names = hosts.map((_, i) => `h${i}`);
    // Skewed placement: half the VMs on h0, so it is often overloaded.
    const vs: VmSnapshot[] = vms.map((v, i) => ({
      ...vmOf(`vm${i}`, names[i % 2 === 0 ? 0 : v.host % names.length], vec(v.cpu, GiB), {
        workload: v.kind,
        memoryBytes: v.memoryGiB * GiB,
        dirtyRateBytesPerSecond: v.dirty,
        allocation: { balloonBytes: v.memoryGiB * GiB },
      }),
      usageHistory: v.jitter.map((j) => vec(v.cpu * j, GiB)),
    }));
    return {
      snapshot: snapshotOf(
        hosts.map((c, i) => hostOf(names[i], c, 256)),
        vs,
        NOW,
      ),
      history: { migrations: [] },
    };
  });

describe('cost-aware migration (issue 12 item 4)', () => {
  it('never plans a hotspot migration whose modelled cost exceeds its modelled relief; declined ones show cost ≥ relief', () => {
    let planned = 0;
    let declined = 0;
    fc.assert(
      fc.property(busyClusterArb, configArb, ({ snapshot, history }, cfg) => {
        const plan = planGlobalRound({ snapshot, config: cfg, history, now: NOW });
        const view = buildRoundView(snapshot, cfg);
        const { model } = buildModel(view, cfg, indexHistory(history.migrations), NOW);
        for (const a of plan.actions) {
          const to = a.to as string;
          if (a.reason.rule !== 'global.hotspot') {
            model.move(a.vm, to);
            continue;
          }
          planned++;
          // Recompute the comparison on the replayed model, from the snapshot alone.
          const vm = view.vms.get(a.vm)!.vm;
          const hv = view.hosts.get(a.from)!;
          const hot = RESOURCES.filter(
            (r) => a.reason.scores?.[`source_${r}_before`] !== undefined,
          ) as Resource[];
          const confidence = hv.host.alerted
            ? 1
            : Math.max(...hot.map((r) => hotCount(hv.observed, r, cfg.high, cfg.n))) / cfg.n;
          const side = (h: string) => ({
            vms: model.host(h).vms.size,
            cpuCores: model.host(h).capacity.cpu,
            before: model.load(h),
            spread: spreadOf(view.hosts.get(h)!.observed, cfg.n),
          });
          const src = side(a.from);
          const dst = side(to);
          model.move(a.vm, to);
          const value = moveValue({
            source: { ...src, after: model.load(a.from) },
            destination: { ...dst, after: model.load(to) },
            hot,
            estimate: migrationEstimate(vm, cfg.migration),
            dirtyRateBytesPerSecond: vm.dirtyRateBytesPerSecond ?? 0,
            streamBytesPerSecond: streamBandwidthFor(vm, cfg.migration),
            horizonSeconds: cfg.migration.horizonSeconds,
            confidence,
          });
          expect(value.reliefVmSeconds).toBeGreaterThan(value.costVmSeconds);
          expect(a.reason.scores?.reliefVmSeconds).toBeCloseTo(value.reliefVmSeconds, 6);
          expect(a.reason.scores?.costVmSeconds).toBeCloseTo(value.costVmSeconds, 6);
        }
        for (const d of plan.declined ?? []) {
          declined++;
          expect(d.reason.scores?.costVmSeconds).toBeGreaterThanOrEqual(
            d.reason.scores?.reliefVmSeconds ?? 0,
          );
        }
      }),
      { numRuns: 300 },
    );
    // Both branches must be exercised, or the checks above prove nothing.
    expect(planned).toBeGreaterThan(20);
    expect(declined).toBeGreaterThan(20);
  });
});

describe('local plan properties', () => {
  it('keeps shares and balloons within floors, ceilings and the VM maximum, and only on usable hosts', () => {
    let checked = 0;
    fc.assert(
      fc.property(clusterArb, configArb, ({ snapshot, history }, cfg) => {
        const plan = planLocalRound({ snapshot, config: cfg, history, now: NOW });
        const held = new Set(plan.held.map((h) => h.host));
        const vms = new Map(snapshot.vms.map((v) => [v.name, v]));
        const shares = cfg.vmLimits[0].cpuShares as { min: number; max: number };
        const memFloor = cfg.vmLimits[1].memoryBytes?.min ?? 0;
        for (const a of plan.actions) {
          expect(held.has(a.from)).toBe(false);
          const vm = vms.get(a.vm) as VmSnapshot;
          if (a.kind === 'set_cpu_shares' || a.kind === 'set_memory') checked++;
          if (a.kind === 'set_cpu_shares') {
            expect(a.params.shares).toBeGreaterThanOrEqual(shares.min);
            expect(a.params.shares).toBeLessThanOrEqual(shares.max);
          }
          if (a.kind === 'set_memory') {
            expect(a.params.bytes).toBeLessThanOrEqual(vm.memoryBytes);
            if (/^vm1/.test(a.vm))
              expect(a.params.bytes).toBeGreaterThanOrEqual(Math.min(memFloor, vm.memoryBytes) - 1);
          }
          if (a.kind === 'set_cpu_shares' && vm.allocation.cpuShares !== undefined) {
            const b = vm.allocation.cpuShares;
            const outOfBounds = b < shares.min || b > shares.max;
            if (!outOfBounds)
              expect(Math.abs((a.params.shares as number) - b) / b).toBeGreaterThanOrEqual(
                cfg.hysteresis - 1e-9,
              );
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(checked).toBeGreaterThan(100);
  });
});
