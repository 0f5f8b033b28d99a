import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TuningEvent } from '../../core/model/event';
import { Journal } from './journal';

const ev = (id: string, result: TuningEvent['result']): TuningEvent => ({
  id,
  time: '2026-01-01T00:00:00.000Z',
  kind: 'global',
  vm: 'web1',
  host: 'a',
  action: 'migrate',
  before: { host: 'a' },
  after: { host: 'b' },
  result,
  reason: 'r',
  phases: [],
  to: 'b',
});

describe('Journal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-journal-'));
    file = path.join(dir, 'sub', 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last state of each event, in order of first appearance, across reopen', () => {
    const { journal } = Journal.open(file);
    journal.append(ev('1', 'started'));
    journal.append(ev('2', 'completed'));
    journal.append(ev('1', 'completed'));
    journal.close();
    const { journal: j2, tornBytes } = Journal.open(file);
    expect(tornBytes).toBe(0);
    expect(j2.events().map((e) => [e.id, e.result])).toEqual([
      ['1', 'completed'],
      ['2', 'completed'],
    ]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('cuts off a torn last line and appends on a fresh line after it', () => {
    const { journal } = Journal.open(file);
    journal.append(ev('1', 'started'));
    journal.close();
    appendFileSync(file, '{"id":"2","time":"2026-01-01T00:0'); // crash mid-write
    const { journal: j2, tornBytes } = Journal.open(file);
    expect(tornBytes).toBeGreaterThan(0);
    expect(j2.events().map((e) => e.id)).toEqual(['1']);
    expect(j2.inFlight().map((e) => e.id)).toEqual(['1']);
    j2.append(ev('1', 'failed'));
    j2.close();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as TuningEvent).result)).toEqual(['started', 'failed']);
  });

  it('ignores a malformed line in the middle and counts it', () => {
    writeFileSync(file.replace('sub/', ''), `${JSON.stringify(ev('1', 'completed'))}\nnot json\n`);
    const { journal, badLines } = Journal.open(file.replace('sub/', ''));
    expect(badLines).toBe(1);
    expect(journal.events()).toHaveLength(1);
  });

  it('counts a JSON line that is not a valid event as bad, and keeps fields a newer version added', () => {
    const plain = file.replace('sub/', '');
    const lines = [
      { ...ev('1', 'completed'), progress: { elapsedSeconds: 3 }, addedLater: 'x' },
      { ...ev('2', 'completed'), result: 'done' }, // not an EventResult
      { ...ev('3', 'completed'), kind: undefined }, // kind missing
      { ...ev('4', 'completed'), phases: [{ phase: 'started' }] }, // a phase without time
      { ...ev('5', 'completed'), reason: { text: 'no rule' } },
    ];
    writeFileSync(plain, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const { journal, badLines } = Journal.open(plain);
    expect(badLines).toBe(4);
    expect(journal.events()).toEqual([lines[0]]);
  });

  it('reads 20 000 lines fast (a generous bound: the journal is read whole at start)', () => {
    const plain = file.replace('sub/', '');
    const line = `${JSON.stringify({ ...ev('x', 'completed'), reason: { rule: 'global.hotspot', text: 't', scores: { a: 1 } } })}\n`;
    writeFileSync(plain, Array.from({ length: 20_000 }, (_, i) => line.replace('"x"', `"${i}"`)).join(''));
    const t0 = performance.now();
    const { journal, badLines } = Journal.open(plain, { readOnly: true });
    const ms = performance.now() - t0;
    expect(badLines).toBe(0);
    expect(journal.events()).toHaveLength(20_000);
    expect(ms).toBeLessThan(3000);
  });

  it('read-only mode never creates or writes the file', () => {
    const { journal } = Journal.open(file, { readOnly: true });
    expect(journal.events()).toEqual([]);
    expect(() => journal.append(ev('1', 'started'))).toThrow(/read-only/);
    expect(() => readFileSync(file)).toThrow();
  });
});
