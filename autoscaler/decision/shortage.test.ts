// Shortage handling (issue 13 item 2): unit tests of each step and property tests of the
// two rules that must always hold — the lowest priority yields first, and critical VMs are
// never touched (never capped, ballooned, suspended or saved).
import fc from 'fast-check';
import type { Action } from '../../core/model/plan';
import { PRIORITY_CLASSES, yieldsBefore, type VmPriority } from '../../core/model/priority';
import type { VmSnapshot } from '../../core/model/snapshot';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { defaultPlannerConfig, type PlannerConfigInput } from './config';
import { planLocalRound, type PlannerHistory } from './planner';
import type { ShortageRecord } from './shortage';

const NOW = 50_000_000;
const cfgOf = (extra: PlannerConfigInput = {}) =>
  defaultPlannerConfig({ shortage: { enabled: true, saveDirectory: '/srv/saved' }, ...extra });

/** A CPU VM on `host` using `cpu` cores steadily, with a priority. */
const vm = (
  name: string,
  host: string,
  cpu: number,
  priority?: VmPriority,
  extra: Partial<VmSnapshot> = {},
) => vmOf(name, host, vec(cpu, 0.5 * GiB), { vcpus: 4, ...(priority ? { priority } : {}), ...extra });

const shortageActions = (actions: Action[]) => actions.filter((a) => a.reason.rule.startsWith('shortage.'));

function round(vms: VmSnapshot[], history: Partial<PlannerHistory> = {}, extra: PlannerConfigInput = {}) {
  // One 4-core host: no migration can relieve it.
  const snapshot = snapshotOf([hostOf('h', 4, 16)], vms, NOW);
  return planLocalRound({
    snapshot,
    config: cfgOf(extra),
    history: { migrations: [], ...history },
    now: NOW,
  });
}

const record = (
  vm: string,
  rule: string,
  kind: string,
  agoSeconds: number,
  extra: Partial<ShortageRecord> = {},
) => ({
  vm,
  host: 'h',
  rule,
  kind,
  at: NOW - agoSeconds * 1000,
  params: {},
  before: null,
  needCores: 1.5,
  needBytes: 0.5 * GiB,
  ...extra,
});

describe('shortage handling', () => {
  it('off by default: a short host gets no shortage step', () => {
    const snapshot = snapshotOf(
      [hostOf('h', 4, 16)],
      [vm('a', 'h', 3), vm('b', 'h', 3, { class: 'low' })],
      NOW,
    );
    const plan = planLocalRound({
      snapshot,
      config: defaultPlannerConfig(),
      history: { migrations: [] },
      now: NOW,
    });
    expect(shortageActions(plan.actions)).toEqual([]);
  });

  it('caps the lowest priority to its floor first, says why, and local tuning does not lift it', () => {
    const plan = round([
      vm('crit', 'h', 2, { class: 'critical' }),
      vm('norm', 'h', 1.5),
      vm('batch', 'h', 1.5, { class: 'low' }),
    ]);
    const steps = shortageActions(plan.actions);
    expect(steps.map((a) => [a.vm, a.kind, a.reason.rule])).toEqual([
      ['batch', 'set_cpu_cap', 'shortage.floor'],
    ]);
    expect(steps[0].params).toEqual({ periodUs: 100_000, quotaUs: 10_000 });
    expect(steps[0].reason.text).toMatch(/exceeds h by 1 cores, no migration relieves it; batch \(low/);
    expect(plan.actions.filter((a) => a.vm === 'batch' && a.kind === 'set_cpu_cap')).toHaveLength(1);
  });

  it('every non-critical VM at its floor and still short: suspends the lowest priority, expected short', () => {
    const history = {
      shortage: [
        record('batch', 'shortage.floor', 'set_cpu_cap', 60, { before: { periodUs: 100_000, quotaUs: -1 } }),
        record('norm', 'shortage.floor', 'set_cpu_cap', 60, { before: { periodUs: 100_000, quotaUs: -1 } }),
      ],
    };
    const capped = {
      allocation: { cpuShares: 1024, balloonBytes: 2 * GiB, cpuQuotaUs: 10_000, cpuPeriodUs: 100_000 },
    };
    const plan = round(
      [
        vm('crit', 'h', 4.5, { class: 'critical' }),
        vm('norm', 'h', 0.1, undefined, capped),
        vm('batch', 'h', 0.1, { class: 'low' }, capped),
      ],
      history,
    );
    const steps = shortageActions(plan.actions);
    expect(steps.map((a) => [a.vm, a.kind])).toEqual([['batch', 'suspend']]);
    expect(steps[0].reason.text).toMatch(/suspend: the shortage has lasted 60 s < 600 s, expected short/);
    // No other step for the VM that stops, and local tuning leaves the floored caps alone.
    expect(plan.actions.filter((a) => a.kind === 'set_cpu_cap')).toEqual([]);
  });

  it('saves instead when the shortage has lasted saveAfterSeconds, and when memory is short', () => {
    const capped = {
      allocation: { cpuShares: 1024, balloonBytes: 2 * GiB, cpuQuotaUs: 10_000, cpuPeriodUs: 100_000 },
    };
    const long = round(
      [vm('crit', 'h', 4.5, { class: 'critical' }), vm('batch', 'h', 0.1, { class: 'low' }, capped)],
      {
        shortage: [record('batch', 'shortage.floor', 'set_cpu_cap', 900)],
      },
    );
    const [save] = shortageActions(long.actions);
    expect(save).toMatchObject({ kind: 'save', vm: 'batch', params: { path: '/srv/saved/batch.save' } });
    expect(save.reason.text).toMatch(/save: the shortage has lasted 900 s ≥ 600 s/);

    // Memory: working sets of 10 + 7 GiB on 16 GiB; CPU is fine.
    const mem = round([
      vmOf('crit', 'h', vec(1, 10 * GiB), {
        priority: { class: 'critical' },
        memoryBytes: 12 * GiB,
        allocation: { balloonBytes: 12 * GiB },
      }),
      vmOf('batch', 'h', vec(1, 7 * GiB), {
        priority: { class: 'low' },
        memoryBytes: 8 * GiB,
        allocation: { balloonBytes: 8 * GiB },
      }),
    ]);
    const [memSave] = shortageActions(mem.actions);
    expect(memSave).toMatchObject({ kind: 'save', vm: 'batch' });
    expect(memSave.reason.text).toMatch(
      /save, not suspend: memory is short by .* a suspended VM keeps its 7168 MiB/,
    );
  });

  it('leaves a host a migration can relieve to the global round', () => {
    const snapshot = snapshotOf(
      [hostOf('h', 4, 16), hostOf('idle', 16, 64)],
      [
        vm('crit', 'h', 2, { class: 'critical' }),
        vm('norm', 'h', 1.5),
        vm('batch', 'h', 1.5, { class: 'low' }),
      ],
      NOW,
    );
    const plan = planLocalRound({ snapshot, config: cfgOf(), history: { migrations: [] }, now: NOW });
    expect(shortageActions(plan.actions)).toEqual([]);
  });

  it('gives back in priority order once room is back in k of n observations: resume before restore of a lower one', () => {
    const history = {
      shortage: [
        record('low', 'shortage.save', 'save', 300, { params: { path: '/srv/saved/low.save' } }),
        record('norm', 'shortage.suspend', 'suspend', 200),
      ],
    };
    const vms = [
      vm('crit', 'h', 1, { class: 'critical' }),
      vm('norm', 'h', 0, undefined, { state: 'paused' }),
      vm('low', 'h', 0, { class: 'low' }, { state: 'shutoff' }),
    ];
    const first = shortageActions(round(vms, history).actions);
    expect(first.map((a) => [a.vm, a.kind, a.reason.rule])).toEqual([['norm', 'resume', 'shortage.resume']]);
    expect(first[0].reason.text).toMatch(
      /room is back on h in 5 of the last 5 observations for norm's 1.5 cores/,
    );
    // After norm's resume is journalled, the saved one comes back from its file.
    const later = [
      vm('crit', 'h', 1, { class: 'critical' }),
      vm('norm', 'h', 0.5),
      vm('low', 'h', 0, { class: 'low' }, { state: 'shutoff' }),
    ];
    const next = shortageActions(
      round(later, { shortage: [...history.shortage, record('norm', 'shortage.resume', 'resume', 10)] })
        .actions,
    );
    expect(next).toMatchObject([{ vm: 'low', kind: 'restore', params: { path: '/srv/saved/low.save' } }]);
  });

  it('does not give back while the host has no room for it', () => {
    const history = { shortage: [record('norm', 'shortage.suspend', 'suspend', 200, { needCores: 2 })] };
    const plan = round(
      [vm('crit', 'h', 3, { class: 'critical' }), vm('norm', 'h', 0, undefined, { state: 'paused' })],
      history,
    );
    expect(shortageActions(plan.actions)).toEqual([]);
  });
});

// ---- properties ---------------------------------------------------------------------------

const prioArb = fc.record({
  class: fc.constantFrom(...PRIORITY_CLASSES),
  weight: fc.option(fc.constantFrom(0.5, 1, 2), { nil: undefined }),
});
const vmsArb = fc.array(fc.record({ cpu: fc.double({ min: 0, max: 4, noNaN: true }), priority: prioArb }), {
  minLength: 1,
  maxLength: 10,
});
/** Earlier floors (a random subset of VMs already capped), to reach the suspend/save step. */
const flooredArb = fc.array(fc.boolean(), { minLength: 10, maxLength: 10 });
/** Config may override some priorities by name (critical included). */
const overridesArb = fc.array(fc.record({ i: fc.nat(9), class: fc.constantFrom(...PRIORITY_CLASSES) }), {
  maxLength: 3,
});

function scenario(
  specs: { cpu: number; priority: { class: VmPriority['class']; weight?: number } }[],
  floored: boolean[],
  overrides: { i: number; class: VmPriority['class'] }[],
) {
  const vms = specs.map((s, i) => {
    const p: VmPriority =
      s.priority.weight === undefined
        ? { class: s.priority.class }
        : { class: s.priority.class, weight: s.priority.weight };
    const capped = floored[i]
      ? { allocation: { cpuShares: 1024, balloonBytes: 2 * GiB, cpuQuotaUs: 10_000, cpuPeriodUs: 100_000 } }
      : {};
    return vm(`v${i}`, 'h', floored[i] ? 0.1 : s.cpu, p, capped);
  });
  const history: Partial<PlannerHistory> = {
    shortage: specs.flatMap((_, i) =>
      floored[i] ? [record(`v${i}`, 'shortage.floor', 'set_cpu_cap', 30)] : [],
    ),
  };
  const config: PlannerConfigInput = {
    priorities: overrides.filter((o) => o.i < specs.length).map((o) => ({ vm: `v${o.i}`, class: o.class })),
  };
  const plan = round(vms, history, config);
  const cfg = cfgOf(config);
  const effective = (v: VmSnapshot): VmPriority => {
    const o = cfg.priorities.find((p) => p.vm === v.name);
    return o ? { class: o.class } : (v.priority as VmPriority);
  };
  return { vms, plan, effective };
}

describe('shortage handling properties', () => {
  it('the lowest priority always yields first: the VMs a round takes from are the lowest of the non-critical ones', () => {
    fc.assert(
      fc.property(vmsArb, flooredArb, overridesArb, (specs, floored, overrides) => {
        const { vms, plan, effective } = scenario(specs, floored, overrides);
        const taking = new Set(
          shortageActions(plan.actions)
            .filter(
              (a) => a.reason.rule !== 'shortage.release' && a.kind !== 'resume' && a.kind !== 'restore',
            )
            .map((a) => a.vm),
        );
        // Every VM yielding now or before must come before every non-critical running VM left alone.
        const yielded = vms.filter((v, i) => taking.has(v.name) || floored[i]);
        const spared = vms.filter(
          (v, i) => !taking.has(v.name) && !floored[i] && effective(v).class !== 'critical',
        );
        for (const y of taking) {
          const yv = vms.find((v) => v.name === y) as VmSnapshot;
          for (const s of spared)
            expect(
              yieldsBefore(
                { name: yv.name, priority: effective(yv) },
                { name: s.name, priority: effective(s) },
              ),
            ).toBeLessThan(0);
        }
        // A stop goes to the lowest priority of the running non-critical VMs.
        const stop = shortageActions(plan.actions).find((a) => a.kind === 'suspend' || a.kind === 'save');
        if (stop) {
          const lowest = [...yielded, ...spared]
            .filter((v) => effective(v).class !== 'critical')
            .sort((a, b) =>
              yieldsBefore(
                { name: a.name, priority: effective(a) },
                { name: b.name, priority: effective(b) },
              ),
            )[0];
          expect(stop.vm).toBe(lowest.name);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('critical VMs are never capped, ballooned, suspended or saved by shortage handling', () => {
    fc.assert(
      fc.property(vmsArb, flooredArb, overridesArb, (specs, floored, overrides) => {
        const { vms, plan, effective } = scenario(specs, floored, overrides);
        const critical = new Set(vms.filter((v) => effective(v).class === 'critical').map((v) => v.name));
        // Giving back (a VM that turned critical while held gets its cap back first) is not taking.
        const takes = shortageActions(plan.actions).filter((a) =>
          /^shortage\.(floor|suspend|save)$/.test(a.reason.rule),
        );
        for (const a of takes) expect(critical.has(a.vm)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
