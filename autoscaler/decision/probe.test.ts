// Cautious probing for learned profiles (issue 13 item 5), through the planner's local round:
// who is probed (one VM per host, only with headroom, never a VM with a configured profile,
// in cooldown or probed recently), the cap (one step below its use, per-vCPU quota), the
// rollback when the service level drops, the restore after k rounds, and local tuning
// leaving a probe's cap alone.
import { capCores } from '../../core/model/cpu-cap';
import type { Action } from '../../core/model/plan';
import type { VmSnapshot } from '../../core/model/snapshot';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { defaultPlannerConfig, type PlannerConfigInput } from './config';
import { planLocalRound, type PlannerHistory } from './planner';
import { PROBE, PROBE_RESTORE, PROBE_ROLLBACK, type ProbeRecord } from './probe';
import { loadBandOf } from './profile-learning';

const NOW = 80_000_000;
const T2 = 20;

/** A web VM using `cpu` cores at `load` requests/s with response time `rt` (target 1 s). */
const web = (name: string, cpu: number, load: number, rt = 0.05, extra: Partial<VmSnapshot> = {}) =>
  vmOf(name, 'h', vec(cpu, 0.5 * GiB), {
    workload: 'web',
    vcpus: 2,
    web: { requestsPerSecond: load, throughputPerSecond: load, responseTimeSeconds: rt },
    sli: { value: rt, target: 1, higherIsBetter: false },
    ...extra,
  });

function round(
  vms: VmSnapshot[],
  history: Partial<PlannerHistory> = {},
  extra: PlannerConfigInput = {},
  cores = 4,
) {
  return planLocalRound({
    snapshot: snapshotOf([hostOf('h', cores, 16)], vms, NOW),
    config: defaultPlannerConfig({ serviceLevel: { learnProfiles: true }, ...extra }),
    history: { migrations: [], ...history },
    now: NOW,
  });
}

const probeSteps = (actions: Action[]) => actions.filter((a) => a.reason.rule.startsWith('profile.probe'));

/** A probe of `vm` started `agoSeconds` ago from an uncapped VM at service level 1. */
const started = (vm: string, agoSeconds: number, load = 25): ProbeRecord => ({
  vm,
  host: 'h',
  rule: PROBE,
  at: NOW - agoSeconds * 1000,
  loadBand: loadBandOf(load),
  before: { periodUs: 100_000, quotaUs: -1 },
  levelBefore: 1,
});

/** The VM as a probe's cap holds it (0.4 cores of 2 vCPUs: 20 000 µs per vCPU). */
const capped = {
  allocation: { cpuShares: 1024, balloonBytes: 2 * GiB, cpuQuotaUs: 20_000, cpuPeriodUs: 100_000 },
};

describe('probing for learned profiles', () => {
  it('probes one VM per host one step below its use, as a per-vCPU quota, and says why', () => {
    const plan = round([web('a', 0.5, 25), web('b', 0.5, 25)]);
    const steps = probeSteps(plan.actions);
    expect(steps).toHaveLength(1);
    const [p] = steps;
    expect(p.vm).toBe('a');
    expect(p.kind).toBe('set_cpu_cap');
    expect(p.reason.rule).toBe(PROBE);
    expect(p.reason.text).toMatch(/probing: no learned profile/);
    expect(p.before).toEqual({ periodUs: 100_000, quotaUs: -1 });
    const params = p.params as { periodUs: number; quotaUs: number };
    // 0.5 cores used: 0.1 core (one CPU band of the learner, more than 10 %) below it.
    expect(capCores(params, 2)).toBeCloseTo(0.4, 6);
    expect(params.quotaUs).toBe(20_000);
    expect(p.reason.scores?.loadBand).toBe(loadBandOf(25));
  });

  it('no probe without headroom, with learning or probing off, with a configured profile, in cooldown, or on a band probed recently', () => {
    // The host's CPU at 95 %: no headroom.
    expect(probeSteps(round([web('a', 1.9, 95)], {}, {}, 2).actions)).toEqual([]);
    expect(
      probeSteps(
        planLocalRound({
          snapshot: snapshotOf([hostOf('h', 4, 16)], [web('a', 0.5, 25)], NOW),
          config: defaultPlannerConfig(),
          history: { migrations: [] },
          now: NOW,
        }).actions,
      ),
    ).toEqual([]);
    expect(
      probeSteps(
        round([web('a', 0.5, 25)], {}, { serviceLevel: { learnProfiles: true, probe: { enabled: false } } })
          .actions,
      ),
    ).toEqual([]);
    const profile = {
      vm: 'a',
      rows: [
        {
          load: 25,
          points: [
            { cpuCores: 0.4, value: 30 },
            { cpuCores: 0.6, value: 0.06 },
          ],
        },
      ],
    };
    expect(
      probeSteps(
        round([web('a', 0.5, 25)], {}, { serviceLevel: { learnProfiles: true, profiles: [profile] } })
          .actions,
      ),
    ).toEqual([]);
    expect(
      probeSteps(
        round([web('a', 0.5, 25)], { migrations: [{ vm: 'a', from: 'g', to: 'h', at: NOW - 60_000 }] })
          .actions,
      ),
    ).toEqual([]);
    const probed = [{ vm: 'a', loadBand: loadBandOf(25), at: NOW - 600_000 }];
    expect(probeSteps(round([web('a', 0.5, 25)], { probed }).actions)).toEqual([]);
    // The same band an hour and more ago, or another band: probed again.
    expect(
      probeSteps(round([web('a', 0.5, 25)], { probed: [{ ...probed[0], at: NOW - 3_700_000 }] }).actions),
    ).toHaveLength(1);
    expect(probeSteps(round([web('a', 1, 50)], { probed }).actions)).toHaveLength(1);
  });

  it('rolls the cap back as soon as the service level drops', () => {
    // One round into the probe the response time is 5 s (level ≈ 0).
    const plan = round([web('a', 0.4, 25, 5, capped), web('b', 0.5, 25)], { probes: [started('a', T2)] });
    const steps = probeSteps(plan.actions);
    expect(steps).toHaveLength(1);
    expect(steps[0].reason.rule).toBe(PROBE_ROLLBACK);
    expect(steps[0].params).toEqual({ periodUs: 100_000, quotaUs: -1 });
    expect(steps[0].reason.text).toMatch(/rolled back after 1 round/);
    // No new probe on the host in the round one ends.
    expect(steps.some((a) => a.reason.rule === PROBE)).toBe(false);
  });

  it('holds the cap for k rounds (local tuning leaves it alone), then restores it', () => {
    const during = round([web('a', 0.4, 25, 0.06, capped), web('b', 0.5, 25)], {
      probes: [started('a', 2 * T2)],
    });
    expect(probeSteps(during.actions)).toEqual([]);
    // Local tuning would lift a cap below the VM's demand; the probe holds it.
    expect(during.actions.filter((a) => a.vm === 'a' && a.kind === 'set_cpu_cap')).toEqual([]);
    // Without the probe, local tuning does lift it: the filter above is what keeps it.
    const unprobed = round([web('a', 0.4, 25, 0.06, capped)], {}, { serviceLevel: { learnProfiles: false } });
    expect(unprobed.actions.filter((a) => a.vm === 'a' && a.kind === 'set_cpu_cap')).toHaveLength(1);
    // One probe per host: b waits while a's probe runs.
    expect(during.actions.filter((a) => a.vm === 'b' && a.kind === 'set_cpu_cap')).toEqual([]);
    const after = round([web('a', 0.4, 25, 0.06, capped)], { probes: [started('a', 3 * T2)] });
    const steps = probeSteps(after.actions);
    expect(steps).toHaveLength(1);
    expect(steps[0].reason.rule).toBe(PROBE_RESTORE);
    expect(steps[0].params).toEqual({ periodUs: 100_000, quotaUs: -1 });
    expect(after.actions.filter((a) => a.vm === 'a' && a.kind === 'set_cpu_cap')).toHaveLength(1);
  });

  it('ends a probe early when its host loses its headroom', () => {
    const plan = round(
      [web('a', 0.4, 25, 0.06, capped), web('b', 1.6, 80)],
      { probes: [started('a', T2)] },
      {},
      2,
    );
    const steps = probeSteps(plan.actions);
    expect(steps.map((a) => a.reason.rule)).toEqual([PROBE_RESTORE]);
    expect(steps[0].reason.text).toMatch(/lost its headroom/);
  });

  it('a VM with a learned row for its load band is not probed, one without is', () => {
    const learned = {
      vm: 'a',
      rows: [
        {
          load: 25,
          points: [
            { cpuCores: 0.4, value: 30 },
            { cpuCores: 0.5, value: 0.05 },
          ],
        },
      ],
      learned: true as const,
    };
    const cfg = defaultPlannerConfig({ serviceLevel: { learnProfiles: true } });
    const withLearned = { ...cfg, serviceLevel: { ...cfg.serviceLevel, profiles: [learned] } };
    const plan = (load: number, cpu: number) =>
      planLocalRound({
        snapshot: snapshotOf([hostOf('h', 4, 16)], [web('a', cpu, load)], NOW),
        config: withLearned,
        history: { migrations: [] },
        now: NOW,
      });
    expect(probeSteps(plan(25, 0.5).actions)).toEqual([]);
    expect(probeSteps(plan(50, 1).actions)).toHaveLength(1);
  });
});
