import type { TuningEvent } from '../../core/model/event';
import { defaultPlannerConfig } from '../decision/config';
import { switchoverSamples, withLearnedSwitchover } from './switchover';

const migration = (
  at: string,
  scores: Record<string, number>,
  downtimeMs: number | undefined,
  result: TuningEvent['result'] = 'completed',
): TuningEvent => ({
  id: at,
  time: at,
  kind: 'global',
  vm: 'v',
  host: 'a',
  to: 'b',
  action: 'migrate',
  before: null,
  after: null,
  result,
  reason: { rule: 'global.hotspot', text: 'hot', scores },
  phases: [
    { phase: 'planned', time: at },
    { phase: 'started', time: at },
    ...(result === 'completed'
      ? [
          {
            phase: 'completed' as const,
            time: at,
            durationSeconds: 5,
            ...(downtimeMs !== undefined ? { downtimeMs } : {}),
          },
        ]
      : []),
  ],
});

describe('switch-over cost from the journal', () => {
  const journal = [
    migration('2026-01-01T00:00:00Z', { stopCopySeconds: 0.1, downtimeSeconds: 0.1 }, 300),
    // older planners: no stopCopySeconds, their downtime had no switch-over in it
    migration('2026-01-01T00:01:00Z', { downtimeSeconds: 0.05 }, 250),
    migration('2026-01-01T00:02:00Z', { stopCopySeconds: 0, downtimeSeconds: 0.2 }, 180),
    migration('2026-01-01T00:03:00Z', { stopCopySeconds: 0 }, undefined), // no downtime measured
    migration('2026-01-01T00:04:00Z', { stopCopySeconds: 0 }, 9000, 'failed'),
  ];

  it('takes a sample from every completed migration with a prediction and a measured downtime', () => {
    expect(
      switchoverSamples(journal).map((s) => s.measuredDowntimeSeconds - s.predictedStopCopySeconds),
    ).toEqual([expect.closeTo(0.2), expect.closeTo(0.2), expect.closeTo(0.18)]);
  });

  it('puts the learned cost into the planner’s engine, unless the config sets one', () => {
    const cfg = defaultPlannerConfig();
    expect(withLearnedSwitchover(cfg, journal).migration.switchoverSeconds).toBeCloseTo(0.2);
    expect(withLearnedSwitchover(cfg, []).migration.switchoverSeconds).toBeUndefined();
    const fixed = { ...cfg, migration: { ...cfg.migration, switchoverSeconds: 0.05 } };
    expect(withLearnedSwitchover(fixed, journal).migration.switchoverSeconds).toBe(0.05);
  });
});
