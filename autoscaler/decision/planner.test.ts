import { defaultPlannerConfig } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planGlobalRound, planLocalRound, type PlannerInput } from './planner';

const NOW = 1_000_000;

function input(overrides: Partial<PlannerInput> = {}): PlannerInput {
  const snapshot = snapshotOf(
    [hostOf('h1', 4, 16), hostOf('h2', 8, 16)],
    // h1's demand is 112.5 % of its 4 cores: a move pays for itself.
    [vmOf('a', 'h1', vec(4, GiB)), vmOf('b', 'h1', vec(0.5, GiB)), vmOf('c', 'h2', vec(1, GiB))],
    NOW,
  );
  return { snapshot, config: defaultPlannerConfig(), history: { migrations: [] }, now: NOW, ...overrides };
}

describe('planner entry points', () => {
  it('plan a round with reasons, in the plan --json shape', () => {
    const global = planGlobalRound(input());
    expect(global.at).toBe(NOW);
    expect(global.actions).toHaveLength(1);
    const local = planLocalRound(input());
    expect(local.actions.length).toBeGreaterThan(0);
    for (const a of [...global.actions, ...local.actions]) {
      expect(a.reason.rule).toMatch(/^(global|local)\./);
      expect(a.reason.text.length).toBeGreaterThan(0);
    }
    // Plain data: survives JSON unchanged (what `vmpilot plan --json` and the journal store).
    expect(JSON.parse(JSON.stringify(global))).toEqual(global);
  });
  it('hold every host when the snapshot itself is older than 2 intervals', () => {
    const late = input({ now: NOW + 21_000 });
    for (const p of [planGlobalRound(late), planLocalRound(late)]) {
      expect(p.actions).toEqual([]);
      expect(p.held.map((h) => h.host)).toEqual(['h1', 'h2']);
      expect(p.held[0].reason).toMatch(/stale data: 21 s old \(limit 20 s\)/);
    }
  });
  it('the global round needs two usable hosts; the local round still tunes the usable one', () => {
    const base = input();
    const oneDown = {
      ...base,
      snapshot: {
        ...base.snapshot,
        hosts: base.snapshot.hosts.map((h) => (h.name === 'h2' ? { ...h, up: false } : h)),
      },
    };
    expect(planGlobalRound(oneDown).actions).toEqual([]);
    const local = planLocalRound(oneDown);
    expect(local.held).toEqual([{ host: 'h2', code: 'host_down', reason: expect.stringMatching(/down/) }]);
    expect(local.actions.length).toBeGreaterThan(0);
    expect(local.actions.every((a) => a.from === 'h1')).toBe(true);
  });
  it('is pure: the same input gives the same plan and the input is not modified', () => {
    const i = input();
    const copy = JSON.parse(JSON.stringify(i));
    expect(planGlobalRound(i)).toEqual(planGlobalRound(i));
    expect(planLocalRound(i)).toEqual(planLocalRound(i));
    expect(JSON.parse(JSON.stringify(i))).toEqual(copy);
  });
});
