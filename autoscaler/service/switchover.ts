// The cluster's switch-over cost for the planner's migration estimate, learned from the
// journal (core/model/switchover.ts): every completed migration whose reason carries the
// model's stop-and-copy prediction (`stopCopySeconds`, or `downtimeSeconds` from planners
// that had no switch-over term) and whose last phase has the measured downtime.
import type { TuningEvent } from '../../core/model/event';
import { learnedSwitchoverSeconds, type SwitchoverSample } from '../../core/model/switchover';
import type { PlannerConfig } from '../decision/config';

export function switchoverSamples(events: readonly TuningEvent[]): SwitchoverSample[] {
  const out: SwitchoverSample[] = [];
  for (const e of events) {
    if (e.action !== 'migrate' || e.result !== 'completed' || typeof e.reason !== 'object') continue;
    const scores = e.reason.scores ?? {};
    const predicted = scores.stopCopySeconds ?? scores.downtimeSeconds;
    const measuredMs = [...e.phases].reverse().find((p) => p.phase === 'completed')?.downtimeMs;
    if (predicted === undefined || measuredMs === undefined) continue;
    out.push({
      at: Date.parse(e.time),
      predictedStopCopySeconds: predicted,
      measuredDowntimeSeconds: measuredMs / 1000,
    });
  }
  return out;
}

/** The planner config with the learned switch-over cost, unless the config sets one. */
export function withLearnedSwitchover(cfg: PlannerConfig, events: readonly TuningEvent[]): PlannerConfig {
  if (cfg.migration.switchoverSeconds !== undefined) return cfg;
  const learned = learnedSwitchoverSeconds(switchoverSamples(events));
  return learned === undefined
    ? cfg
    : { ...cfg, migration: { ...cfg.migration, switchoverSeconds: learned } };
}
