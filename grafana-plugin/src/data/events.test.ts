import { FieldType, createDataFrame } from '@grafana/data';
import { eventsFromFrames, migrationsFromEvents } from './events';

const T = Date.parse('2026-11-24T00:00:00Z');
const iso = (s: number) => new Date(T + s * 1000).toISOString();

/** The events API page as a JSON data source turns it into a frame (nested values as JSON text). */
function eventsFrame(rows: Array<Record<string, unknown>>) {
  const names = ['id', 'time', 'kind', 'vm', 'host', 'action', 'result', 'reason', 'before', 'after', 'to', 'phases'];
  return createDataFrame({
    fields: names.map((name) => ({
      name,
      type: name === 'time' ? FieldType.time : FieldType.string,
      values: rows.map((r) => {
        const v = r[name];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
      }),
    })),
  });
}

const migration = (id: string, vm: string, result: string, phases: Array<Record<string, unknown>>) => ({
  id,
  time: iso(0),
  kind: 'global',
  vm,
  host: 'kvm-a',
  action: 'migrate',
  result,
  reason: { rule: 'global.hotspot', text: `kvm-a overloaded on cpu: move ${vm}` },
  before: { host: 'kvm-a' },
  after: { host: 'kvm-b' },
  to: 'kvm-b',
  phases,
});

describe('eventsFromFrames', () => {
  it('reads events with their reason text, before/after and phases, oldest first', () => {
    const frame = eventsFrame([
      migration('m1', 'web1', 'completed', [
        { phase: 'planned', time: iso(0) },
        { phase: 'started', time: iso(1) },
        { phase: 'completed', time: iso(13), durationSeconds: 12, downtimeMs: 108 },
      ]),
      {
        id: 'l1',
        time: T - 5000,
        kind: 'local',
        vm: 'db1',
        host: 'kvm-b',
        action: 'set_cpu_shares',
        result: 'completed',
        reason: 'shares ∝ points',
        before: { shares: 1024 },
        after: { shares: 2048 },
        phases: [],
      },
    ]);
    const evs = eventsFromFrames([frame]);
    expect(evs.map((e) => e.id)).toEqual(['l1', 'm1']);
    expect(evs[0]).toMatchObject({ kind: 'local', reason: 'shares ∝ points', after: { shares: 2048 } });
    expect(evs[1]).toMatchObject({ reason: 'kvm-a overloaded on cpu: move web1', to: 'kvm-b' });
    expect(evs[1].phases.map((p) => p.phase)).toEqual(['planned', 'started', 'completed']);
    expect(eventsFromFrames([frame], 'kvm-b').map((e) => e.id)).toEqual(['l1']);
  });
});

describe('migrationsFromEvents', () => {
  it('one bar per migration from start to end, the latest state of each id winning', () => {
    const frame = eventsFrame([
      migration('m1', 'web1', 'started', [
        { phase: 'planned', time: iso(0) },
        { phase: 'started', time: iso(1) },
      ]),
      migration('m1', 'web1', 'completed', [
        { phase: 'planned', time: iso(0) },
        { phase: 'started', time: iso(1) },
        { phase: 'completed', time: iso(13), downtimeMs: 108 },
      ]),
      migration('m2', 'db1', 'failed', [
        { phase: 'started', time: iso(20) },
        { phase: 'failed', time: iso(25), error: 'aborted' },
      ]),
      migration('m3', 'web2', 'started', [{ phase: 'started', time: iso(30) }]),
    ]);
    const bars = migrationsFromEvents(eventsFromFrames([frame]));
    expect(bars.map((b) => [b.vm, b.result])).toEqual([
      ['db1', 'failed'],
      ['web1', 'completed'],
      ['web2', 'running'],
    ]);
    expect(bars[1]).toMatchObject({ from: 'kvm-a', to: 'kvm-b', startMs: T + 1000, endMs: T + 13000, downtimeMs: 108 });
    expect(bars[2].endMs).toBeUndefined();
  });
});
