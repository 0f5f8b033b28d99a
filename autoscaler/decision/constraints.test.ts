// Issue 14 item 5: the operator's constraints in the planner — an excluded VM is neither
// moved nor tuned even when it is the best candidate, a pinned VM goes only to its hosts
// (and back into its set when outside it), an ignored host is neither source nor
// destination, and outside the migration windows no migration is planned while local
// tuning goes on.
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { defaultPlannerConfig, type PlannerConfigInput } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planGlobalRound, planLocalRound, type PlannerInput } from './planner';

// 2026-01-01 12:00 UTC (a Thursday).
const NOON = Date.UTC(2026, 0, 1, 12, 0, 0);

/** h1 overloaded by `a` (4 cores on 4), `b` small; h2 and h3 idle and large. */
function cluster(now: number, vmExtra: Record<string, object> = {}): ClusterSnapshot {
  return snapshotOf(
    [hostOf('h1', 4, 16), hostOf('h2', 8, 16), hostOf('h3', 8, 16)],
    [
      vmOf('a', 'h1', vec(4, GiB), vmExtra.a),
      vmOf('b', 'h1', vec(0.5, GiB), vmExtra.b),
      vmOf('c', 'h2', vec(1, GiB), vmExtra.c),
    ],
    now,
  );
}

function input(cfg: PlannerConfigInput = {}, snapshot = cluster(NOON), now = NOON): PlannerInput {
  return { snapshot, config: defaultPlannerConfig(cfg), history: { migrations: [] }, now };
}

describe('operator constraints in the planner', () => {
  it('reference: without constraints the hot VM a moves off h1 and local tuning touches it', () => {
    const g = planGlobalRound(input());
    expect(g.actions.map((x) => [x.vm, x.from])).toEqual([['a', 'h1']]);
    expect(planLocalRound(input()).actions.some((x) => x.vm === 'a')).toBe(true);
  });

  it('an excluded VM is not moved even when it is the best candidate, nor re-tuned; the plan says why', () => {
    for (const i of [input({ exclude: ['a*'] }), input({}, cluster(NOON, { a: { exclude: true } }))]) {
      const g = planGlobalRound(i);
      expect(g.actions.some((x) => x.vm === 'a')).toBe(false);
      expect(g.heldVms).toEqual([
        { vm: 'a', host: 'h1', code: 'excluded', reason: expect.stringMatching(/excluded by operator/) },
      ]);
      const local = planLocalRound(i);
      expect(local.actions.length).toBeGreaterThan(0);
      expect(local.actions.some((x) => x.vm === 'a')).toBe(false);
    }
    // The next best candidate may still go, with the exclusion among its alternatives.
    const g = planGlobalRound(input({ exclude: ['a'] }));
    for (const x of g.actions) expect(x.vm).not.toBe('a');
  });

  it('a pinned VM goes only to its hosts (config or metadata), and one outside its set is moved back in', () => {
    // Unpinned, a goes to the least loaded of h2/h3 (h3: h2 runs c).
    expect(planGlobalRound(input()).actions[0].to).toBe('h3');
    for (const i of [
      input({ pins: [{ vms: ['a'], hosts: ['h1', 'h2'] }] }),
      input({}, cluster(NOON, { a: { pinnedHosts: ['h1', 'h2'] } })),
    ]) {
      const g = planGlobalRound(i);
      expect(g.actions.map((x) => [x.vm, x.to])).toEqual([['a', 'h2']]);
      expect(JSON.stringify(g.actions[0].reason.alternatives)).toMatch(/h3.*pinned to h1, h2/);
    }
    // Pinned to h1 only: a stays, and no other host takes it.
    expect(
      planGlobalRound(input({ pins: [{ vms: ['a'], hosts: ['h1'] }] })).actions.some((x) => x.vm === 'a'),
    ).toBe(false);
    // c (cold, on h2) pinned to h3: moved back into its set though nothing is hot there.
    const back = planGlobalRound(input({ pins: [{ vms: ['c'], hosts: ['h3'] }], maxMigrationsPerRound: 2 }));
    expect(back.actions.find((x) => x.vm === 'c')).toMatchObject({
      from: 'h2',
      to: 'h3',
      reason: { rule: 'global.pin' },
    });
  });

  it('an ignored host is neither a source nor a destination, and is not tuned (config or snapshot flag)', () => {
    const asSource = planGlobalRound(input({ ignoredHosts: ['h1'] }));
    expect(asSource.actions).toEqual([]);
    expect(asSource.held).toContainEqual({
      host: 'h1',
      code: 'ignored',
      reason: expect.stringMatching(/ignored/),
    });
    expect(planLocalRound(input({ ignoredHosts: ['h1'] })).actions.some((x) => x.from === 'h1')).toBe(false);
    // h3 (the best destination) ignored: a goes to h2 instead.
    const snap = cluster(NOON);
    snap.hosts = snap.hosts.map((h) => (h.name === 'h3' ? { ...h, ignored: true } : h));
    const g = planGlobalRound(input({}, snap));
    expect(g.actions.map((x) => [x.vm, x.to])).toEqual([['a', 'h2']]);
    expect(g.held.map((h) => [h.host, h.code])).toEqual([['h3', 'ignored']]);
  });

  it('outside the migration windows no migration is planned and the plan says why; local tuning goes on', () => {
    const night = { migrationWindows: { cron: ['* 22-23,0-5 * * *'] } };
    const g = planGlobalRound(input(night));
    expect(g.actions).toEqual([]);
    expect(g.migrationHold).toEqual({
      code: 'outside_window',
      reason: expect.stringMatching(/outside the migration windows .*next opens at 2026-01-01T22:00:00.000Z/),
    });
    expect(planLocalRound(input(night)).actions.length).toBeGreaterThan(0);
    // Inside the window (23:30 UTC; 00:30 in Europe/Berlin is inside too) the move is planned.
    const late = Date.UTC(2026, 0, 1, 23, 30);
    const inside = planGlobalRound(input(night, cluster(late), late));
    expect(inside.migrationHold).toBeUndefined();
    expect(inside.actions.map((x) => x.vm)).toEqual(['a']);
    // The same instant is 12:00 UTC = 13:00 in Berlin: outside "* 13 * * *" UTC, inside Berlin's.
    const berlin = { migrationWindows: { cron: ['* 13 * * *'], timezone: 'Europe/Berlin' } };
    expect(planGlobalRound(input(berlin)).actions.map((x) => x.vm)).toEqual(['a']);
    expect(planGlobalRound(input({ migrationWindows: { cron: ['* 13 * * *'] } })).actions).toEqual([]);
  });
});
