// Planner history from the journal: every migration that ran (completed or failed), so the
// planner's cooldown and ping-pong guards see them — a failed migration is not retried
// blindly the next round either; and every completed shortage-handling step (rule
// shortage.*), so the planner knows what it took from which VM and gives it back; and every
// completed probe step (rule profile.probe*), so it knows which probe runs and what to restore.
import type { TuningEvent } from '../../core/model/event';
import type { PlannerHistory } from '../decision/planner';
import type { ProbeRecord } from '../decision/probe';
import type { ShortageRecord } from '../decision/shortage';

export function historyFromJournal(events: readonly TuningEvent[]): PlannerHistory {
  const migrations: PlannerHistory['migrations'] = [];
  const shortage: ShortageRecord[] = [];
  const probes: ProbeRecord[] = [];
  for (const e of events) {
    const s = shortageRecord(e);
    if (s) shortage.push(s);
    const p = probeRecord(e);
    if (p) probes.push(p);
    if (
      e.action !== 'migrate' ||
      (e.result !== 'completed' && e.result !== 'failed' && e.result !== 'started')
    )
      continue;
    const to = e.to ?? (typeof e.after?.host === 'string' ? e.after.host : undefined);
    if (to === undefined) continue;
    migrations.push({ vm: e.vm, from: e.host, to, at: Date.parse(e.time) });
  }
  return { migrations, shortage, probes };
}

function probeRecord(e: TuningEvent): ProbeRecord | undefined {
  if (e.result !== 'completed' || typeof e.reason !== 'object' || !e.reason.rule.startsWith('profile.probe'))
    return undefined;
  const scores = e.reason.scores ?? {};
  const b = e.before;
  const before =
    b && typeof b.periodUs === 'number' && typeof b.quotaUs === 'number'
      ? { periodUs: b.periodUs, quotaUs: b.quotaUs }
      : undefined;
  return {
    vm: e.vm,
    host: e.host,
    rule: e.reason.rule,
    at: Date.parse(e.time),
    loadBand: scores.loadBand ?? NaN,
    ...(before ? { before } : {}),
    ...(scores.levelBefore !== undefined ? { levelBefore: scores.levelBefore } : {}),
  };
}

function shortageRecord(e: TuningEvent): ShortageRecord | undefined {
  if (e.result !== 'completed' || typeof e.reason !== 'object' || !e.reason.rule.startsWith('shortage.'))
    return undefined;
  const scores = e.reason.scores ?? {};
  return {
    vm: e.vm,
    host: e.host,
    rule: e.reason.rule,
    kind: e.action,
    at: Date.parse(e.time),
    params: { ...(e.params ?? {}) },
    before: e.before,
    ...(scores.needCores !== undefined ? { needCores: scores.needCores } : {}),
    ...(scores.needBytes !== undefined ? { needBytes: scores.needBytes } : {}),
  };
}
