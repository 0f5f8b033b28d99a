// Planner history from the journal: every migration that ran (completed or failed), so the
// planner's cooldown and ping-pong guards see them — a failed migration is not retried
// blindly the next round either.
import type { TuningEvent } from '../../core/model/event';
import type { PlannerHistory } from '../decision/planner';

export function historyFromJournal(events: readonly TuningEvent[]): PlannerHistory {
  const migrations: PlannerHistory['migrations'] = [];
  for (const e of events) {
    if (
      e.action !== 'migrate' ||
      (e.result !== 'completed' && e.result !== 'failed' && e.result !== 'started')
    )
      continue;
    const to = e.to ?? (typeof e.after?.host === 'string' ? e.after.host : undefined);
    if (to === undefined) continue;
    migrations.push({ vm: e.vm, from: e.host, to, at: Date.parse(e.time) });
  }
  return { migrations };
}
