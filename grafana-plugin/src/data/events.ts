// Tuning events (vmpilot's GET /api/v1/events, read through a JSON data source into a
// frame with one row per event) and the migration timelines built from them (pure). The
// event types are generated from vmpilot's JSON Schema of a tuning event (tuning-event.ts,
// `npm run gen:schemas` in the repository root); each row is checked against that schema.
import type { DataFrame } from '@grafana/data';
import { fieldNamed, hostFilter, structured, toMs } from './frames';
import { type JsonSchema, schemaError } from './json-schema';
import type { MigrationPhase, TuningEvent } from './tuning-event';
import eventSchema from './tuning-event.schema.json';

/**
 * An event as the panel shows it: the API's TuningEvent (generated from the JSON Schema,
 * see tuning-event.ts) with its times in milliseconds and its reason as text.
 */
export interface PanelEvent extends Pick<TuningEvent, 'id' | 'kind' | 'vm' | 'host' | 'action' | 'result' | 'to'> {
  timeMs: number;
  reason: string;
  before: TuningEvent['before'];
  after: TuningEvent['after'];
  phases: Phase[];
}

/** A migration phase with its time in milliseconds. */
export interface Phase extends Omit<MigrationPhase, 'time'> {
  timeMs: number;
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

const SCHEMA = eventSchema as JsonSchema;

/** The row as a TuningEvent, or the reason it is not one (checked against the JSON Schema). */
export function rowEvent(row: Record<string, unknown>): TuningEvent | string {
  const err = schemaError(SCHEMA, row);
  return err ?? (row as unknown as TuningEvent);
}

function reasonText(r: TuningEvent['reason']): string {
  return typeof r === 'string' ? r : r.text;
}

/** Every event of the frames that is a valid tuning event (per its JSON Schema); oldest first. */
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
      // The row as the API sent it: nested values may arrive as JSON text, the time as a
      // number, and a data source may leave out optional columns (defaults as the API's).
      const to = get('to', i);
      const ev = rowEvent({
        id: String(get('id', i) ?? `${frame.refId ?? ''}-${i}`),
        time: new Date(timeMs).toISOString(),
        kind: kind.values[i],
        vm: String(get('vm', i) ?? ''),
        host,
        action: String(get('action', i) ?? ''),
        result: get('result', i),
        reason: structured(get('reason', i)) ?? '',
        before: structured(get('before', i)) ?? null,
        after: structured(get('after', i)) ?? null,
        ...(typeof to === 'string' && to !== '' ? { to } : {}),
        phases: structured(get('phases', i)) ?? [],
      });
      if (typeof ev === 'string') {
        continue; // not a tuning event (see tuning-event.schema.json): not shown
      }
      out.push({
        id: ev.id,
        timeMs,
        kind: ev.kind,
        vm: ev.vm,
        host: ev.host,
        action: ev.action,
        result: ev.result,
        reason: reasonText(ev.reason),
        before: ev.before,
        after: ev.after,
        ...(ev.to !== undefined ? { to: ev.to } : {}),
        phases: ev.phases.flatMap(({ time: t, ...p }) => {
          const ms = toMs(t);
          return ms === undefined ? [] : [{ ...p, timeMs: ms }];
        }),
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
    if (e.result === 'skipped' || e.result === 'dry-run') {
      continue; // never ran: no bar (it would otherwise read as running forever)
    }
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
