import { defaultPlannerConfig, matchesVm, plannerConfigSchema } from './config';

describe('planner config', () => {
  it('has the SPEC defaults', () => {
    const c = defaultPlannerConfig();
    expect(c.weights).toEqual({ cpu: 0.4, mem: 0.3, disk: 0.15, net: 0.15 });
    expect(c).toMatchObject({ high: 0.85, low: 0.4, k: 3, n: 5, t2Seconds: 20, t1Seconds: 120 });
    expect(c).toMatchObject({
      maxMigrationsPerRound: 1,
      hysteresis: 0.1,
      staleIntervals: 2,
      paused: false,
      dryRun: false,
    });
    expect(c.serviceLevel).toMatchObject({ a: 10, w: 0.5, minLevel: 0.5 });
  });
  it('rejects T1 that is not an integral multiple of T2, naming the key', () => {
    const r = plannerConfigSchema.safeParse({ t1Seconds: 130 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['t1Seconds'],
      message: expect.stringMatching(/integral multiple/),
    });
    expect(plannerConfigSchema.safeParse({ t1Seconds: 60, t2Seconds: 15 }).success).toBe(true);
  });
  it('rejects k > n, low ≥ high, unknown keys and inverted ranges', () => {
    expect(plannerConfigSchema.safeParse({ k: 6 }).success).toBe(false);
    expect(plannerConfigSchema.safeParse({ low: 0.9 }).success).toBe(false);
    expect(plannerConfigSchema.safeParse({ hihg: 0.9 }).success).toBe(false);
    expect(
      plannerConfigSchema.safeParse({ vmLimits: [{ vm: 'a', cpuShares: { min: 10, max: 5 } }] }).success,
    ).toBe(false);
  });
  it('matches VM names exactly or by glob', () => {
    expect(matchesVm('web-*', 'web-01')).toBe(true);
    expect(matchesVm('web-?1', 'web-01')).toBe(true);
    expect(matchesVm('web-*', 'db-01')).toBe(false);
    expect(matchesVm('a.b', 'axb')).toBe(false);
  });
});
