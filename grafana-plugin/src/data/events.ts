// Tuning events (vmpilot's GET /api/v1/events, read through a JSON data source into a
// frame with one row per event) and the migration timelines built from them (pure).
import type { DataFrame } from '@grafana/data';
import { fieldNamed, hostFilter, structured, toMs } from './frames';

export interface PanelEvent {
  id: string;
  timeMs: number;
  kind: string;
  vm: string;
  host: string;
  action: string;
  result: string;
  reason: string;
  before: unknown;
  after: unknown;
  to?: string;
  phases: Phase[];
}

export interface Phase {
  phase: string;
  timeMs: number;
  durationSeconds?: number;
  downtimeMs?: number;
  error?: string;
}

export interface MigrationBar {
  id: string;
  vm: string;
  from: string;
  to: string;
  startMs: number;
  /** End of the migration, or undefined while it runs. */
  endMs?: number;
  result: 'running' | 'completed' | 'failed';
  downtimeMs?: number;
  reason: string;
}

function reasonText(v: unknown): string {
  const r = structured(v);
  if (typeof r === 'string') {
    return r;
  }
  if (r && typeof r === 'object' && 'text' in r && typeof (r as { text: unknown }).text === 'string') {
    return (r as { text: string }).text;
  }
  return r === undefined || r === null ? '' : JSON.stringify(r);
}

function phasesOf(v: unknown): Phase[] {
  const p = structured(v);
  if (!Array.isArray(p)) {
    return [];
  }
  const out: Phase[] = [];
  for (const x of p) {
    if (!x || typeof x !== 'object') {
      continue;
    }
    const o = x as Record<string, unknown>;
    const timeMs = toMs(o.time);
    if (typeof o.phase !== 'string' || timeMs === undefined) {
      continue;
    }
    out.push({
      phase: o.phase,
      timeMs,
      ...(typeof o.durationSeconds === 'number' ? { durationSeconds: o.durationSeconds } : {}),
      ...(typeof o.downtimeMs === 'number' ? { downtimeMs: o.downtimeMs } : {}),
      ...(typeof o.error === 'string' ? { error: o.error } : {}),
    });
  }
  return out;
}

/** Every event of the frames that has at least a time and a kind; oldest first. */
export function eventsFromFrames(frames: DataFrame[], hosts = ''): PanelEvent[] {
  const keep = hostFilter(hosts);
  const out: PanelEvent[] = [];
  for (const frame of frames) {
    const f = (name: string) => fieldNamed(frame, name);
    const time = f('time');
    const kind = f('kind');
    if (!time || !kind) {
      continue;
    }
    const get = (name: string, i: number) => f(name)?.values[i];
    for (let i = 0; i < frame.length; i++) {
      const timeMs = toMs(time.values[i]);
      const host = String(get('host', i) ?? '');
      if (timeMs === undefined || !keep(host)) {
        continue;
      }
      const to = get('to', i);
      out.push({
        id: String(get('id', i) ?? `${frame.refId ?? ''}-${i}`),
        timeMs,
        kind: String(kind.values[i] ?? ''),
        vm: String(get('vm', i) ?? ''),
        host,
        action: String(get('action', i) ?? ''),
        result: String(get('result', i) ?? ''),
        reason: reasonText(get('reason', i)),
        before: structured(get('before', i)) ?? null,
        after: structured(get('after', i)) ?? null,
        ...(typeof to === 'string' && to !== '' ? { to } : {}),
        phases: phasesOf(get('phases', i)),
      });
    }
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/**
 * One bar per migration: from its start (the `started` phase, else the event time) to its
 * end (`completed`/`failed`), or still running. A journal holds one line per state of an
 * event, so the latest state of each id wins.
 */
export function migrationsFromEvents(events: PanelEvent[]): MigrationBar[] {
  const latest = new Map<string, PanelEvent>();
  for (const e of events) {
    if (e.action === 'migrate' && e.to) {
      latest.set(e.id, e);
    }
  }
  const bars: MigrationBar[] = [];
  for (const e of latest.values()) {
    const started = e.phases.find((p) => p.phase === 'started');
    const end = e.phases.find((p) => p.phase === 'completed' || p.phase === 'failed');
    const result: MigrationBar['result'] =
      end?.phase === 'completed' || e.result === 'completed'
        ? 'completed'
        : end?.phase === 'failed' || e.result === 'failed'
          ? 'failed'
          : 'running';
    bars.push({
      id: e.id,
      vm: e.vm,
      from: e.host,
      to: e.to as string,
      startMs: started?.timeMs ?? e.timeMs,
      ...(end ? { endMs: end.timeMs } : {}),
      result,
      ...(end?.downtimeMs !== undefined ? { downtimeMs: end.downtimeMs } : {}),
      reason: e.reason,
    });
  }
  return bars.sort((a, b) => a.vm.localeCompare(b.vm) || a.startMs - b.startMs);
}
