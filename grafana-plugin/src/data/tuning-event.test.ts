// The panel side of the shared event definition: its types come from the generated
// tuning-event.ts, its parsing accepts every event that is valid per the generated
// tuning-event.schema.json and leaves out rows that are not.
import { FieldType, createDataFrame } from '@grafana/data';
import { eventsFromFrames, type PanelEvent, rowEvent } from './events';
import { type JsonSchema, schemaError } from './json-schema';
import type { MigrationPhase, TuningEvent } from './tuning-event';
import eventSchema from './tuning-event.schema.json';

const SCHEMA = eventSchema as JsonSchema;
const NAMES = ['id', 'time', 'kind', 'vm', 'host', 'action', 'result', 'reason', 'before', 'after', 'to', 'phases'];

/** Rows as a JSON data source turns an events API page into a frame (nested values as JSON text). */
function frameOf(rows: object[]) {
  return createDataFrame({
    fields: NAMES.map((name) => ({
      name,
      type: name === 'time' ? FieldType.time : FieldType.string,
      values: rows.map((r) => {
        const v = (r as Record<string, unknown>)[name];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
      }),
    })),
  });
}

// Exhaustive by construction: the compiler rejects a missing or an extra key.
const KINDS: Record<TuningEvent['kind'], true> = { local: true, global: true, alert: true, operator: true };
const RESULTS: Record<TuningEvent['result'], true> = {
  planned: true,
  started: true,
  completed: true,
  failed: true,
  skipped: true,
  'dry-run': true,
};
const PHASES: Record<MigrationPhase['phase'], true> = { planned: true, started: true, completed: true, failed: true };

// The panel's event fields are the generated ones (a compile error here when they drift).
const sameKind: PanelEvent['kind'] extends TuningEvent['kind'] ? true : false = true;
const sameResult: TuningEvent['result'] extends PanelEvent['result'] ? true : false = true;

const valid: TuningEvent[] = [
  {
    id: 'm1',
    time: '2026-12-04T10:00:00.000Z',
    kind: 'global',
    vm: 'web1',
    host: 'kvm-a',
    action: 'migrate',
    before: { host: 'kvm-a' },
    after: { host: 'kvm-b' },
    result: 'completed',
    reason: { rule: 'global.hotspot', text: 'kvm-a overloaded', scores: { cpu: 0.9 }, alternatives: [] },
    phases: [
      { phase: 'started', time: '2026-12-04T10:00:01.000Z' },
      { phase: 'completed', time: '2026-12-04T10:00:13.000Z', durationSeconds: 12, downtimeMs: 108 },
    ],
    to: 'kvm-b',
    params: {},
    progress: { elapsedSeconds: 12, dataRemainingBytes: 0 },
  },
  {
    id: 'l1',
    time: '2026-12-04T09:00:00.000Z',
    kind: 'local',
    vm: 'db1',
    host: 'kvm-b',
    action: 'pin_vcpus',
    before: null,
    after: null,
    result: 'skipped',
    reason: 'no reason given',
    phases: [],
    params: { vcpu: 0, cpus: [1, 2] },
    error: 'pre-condition: vCPU 0 is not online',
  },
  {
    id: 'a1',
    time: '2026-12-04T08:00:00.000Z',
    kind: 'alert',
    vm: '',
    host: 'kvm-a',
    action: 'VmpilotHostOverloaded',
    before: { status: 'inactive' },
    after: { status: 'firing' },
    result: 'completed',
    reason: { rule: 'alert.firing', text: 'Alertmanager: VmpilotHostOverloaded firing on kvm-a' },
    phases: [],
  },
];

const invalid: Array<[string, Record<string, unknown>]> = [
  ['an unknown kind', { ...valid[0], id: 'x1', kind: 'cosmic' }],
  ['an unknown result', { ...valid[0], id: 'x2', result: 'done' }],
  ['a phase without a known name', { ...valid[0], id: 'x3', phases: [{ phase: 'copying', time: valid[0].time }] }],
  ['a structured reason without text', { ...valid[0], id: 'x4', reason: { rule: 'r' } }],
  ['before that is not an object', { ...valid[0], id: 'x5', before: 3 }],
];

describe('tuning event types and schema', () => {
  it('the generated types name exactly the schema enums', () => {
    expect(sameKind && sameResult).toBe(true);
    const props = eventSchema.properties;
    expect(props.kind.enum).toEqual(Object.keys(KINDS));
    expect(props.result.enum).toEqual(Object.keys(RESULTS));
    expect(eventSchema.definitions.MigrationPhase.properties.phase.enum).toEqual(Object.keys(PHASES));
  });

  it('the checker accepts valid events (also with fields a newer server added) and names what is wrong', () => {
    for (const ev of valid) {
      expect(schemaError(SCHEMA, ev)).toBeNull();
    }
    expect(schemaError(SCHEMA, { ...valid[0], addedLater: { x: 1 } })).toBeNull();
    expect(invalid.map(([, ev]) => schemaError(SCHEMA, ev))).toEqual([
      '$.kind: not one of "local", "global", "alert", "operator"',
      '$.result: not one of "planned", "started", "completed", "failed", "skipped", "dry-run"',
      '$.phases[0].phase: not one of "planned", "started", "completed", "failed"',
      '$.reason: matches none of its 2 alternatives',
      '$.before: matches none of its 2 alternatives',
    ]);
    const { id, ...noId } = valid[0];
    expect(id).toBe('m1');
    expect(rowEvent(noId)).toBe('$.id: missing');
  });

  it('reads every valid event from a frame, and leaves out the rows that are not events', () => {
    const evs = eventsFromFrames([frameOf([...valid, ...invalid.map(([, ev]) => ev)])]);
    expect(evs.map((e) => e.id)).toEqual(['a1', 'l1', 'm1']);
    const m1 = evs[2];
    expect(m1).toEqual({
      id: 'm1',
      timeMs: Date.parse(valid[0].time),
      kind: 'global',
      vm: 'web1',
      host: 'kvm-a',
      action: 'migrate',
      result: 'completed',
      reason: 'kvm-a overloaded',
      before: { host: 'kvm-a' },
      after: { host: 'kvm-b' },
      to: 'kvm-b',
      phases: [
        { phase: 'started', timeMs: Date.parse('2026-12-04T10:00:01.000Z') },
        { phase: 'completed', timeMs: Date.parse('2026-12-04T10:00:13.000Z'), durationSeconds: 12, downtimeMs: 108 },
      ],
    });
    expect(evs[1]).toMatchObject({ kind: 'local', result: 'skipped', reason: 'no reason given', before: null });
  });

  it('a frame with only the required columns still reads (defaults as the API gives them)', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [Date.parse(valid[2].time)] },
        { name: 'kind', type: FieldType.string, values: ['alert'] },
        { name: 'result', type: FieldType.string, values: ['completed'] },
      ],
    });
    expect(eventsFromFrames([frame])).toEqual([
      expect.objectContaining({ kind: 'alert', vm: '', reason: '', before: null, after: null, phases: [] }),
    ]);
  });
});
