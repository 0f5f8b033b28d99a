// The journal's edge cases (issue 17): bad lines quarantined with file:line:id, duplicate
// ids, non-regular files refused, rotation and retention, and a failing write (injected
// through the fs layer) that holds, cuts the partial line and recovers with nothing lost.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { fsyncSync, ftruncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TuningEvent } from '../../core/model/event';
import { Journal, JournalUnwritableError, type JournalFs } from './journal';
import { quarantineFileOf } from './segments';

const ev = (id: string, result: TuningEvent['result'], vm = 'web1'): TuningEvent => ({
  id,
  time: '2026-01-01T00:00:00.000Z',
  kind: 'local',
  vm,
  host: 'a',
  action: 'set_cpu_shares',
  before: null,
  after: null,
  result,
  reason: 'r',
  phases: [],
});
const line = (e: unknown) => `${JSON.stringify(e)}\n`;
const parsedLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TuningEvent);

describe('Journal: validation, quarantine, unique ids, regular files', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-journal-robust-'));
    file = path.join(dir, 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('quarantines a "started" line without phases with file:line:id instead of failing start-up', () => {
    const { phases: _dropped, ...noPhases } = ev('m1', 'started');
    writeFileSync(
      file,
      line(ev('1', 'completed')) + line(noPhases) + line({ ...ev('2', 'completed'), result: 'bogus-state' }),
    );
    const { journal, badLines, problems } = Journal.open(file);
    expect(badLines).toBe(2);
    expect(problems[0]).toBe(
      `${file}:2: id m1: not a tuning event: phases: Invalid input: expected array, received undefined`,
    );
    expect(problems[1]).toMatch(new RegExp(`^${file}:3: id 2: not a tuning event: result: `));
    expect(journal.events().map((e) => e.id)).toEqual(['1']);
    // Never silently dropped: both lines are in the side file with where they came from.
    const q = readFileSync(quarantineFileOf(file), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(q.map((x) => [x.segment, x.line, x.id])).toEqual([
      [file, 2, 'm1'],
      [file, 3, '2'],
    ]);
    expect(JSON.parse(q[1].text as string)).toMatchObject({ result: 'bogus-state' });
    // …and out of the journal, so a restart does not quarantine them again.
    journal.close();
    expect(Journal.open(file).badLines).toBe(0);
  });

  it('quarantines a line that reuses the id of another event, and refuses such an append', () => {
    writeFileSync(file, line(ev('1', 'started', 'web1')) + line(ev('1', 'completed', 'other-vm')));
    const { journal, badLines, problems } = Journal.open(file);
    expect(badLines).toBe(1);
    expect(problems[0]).toMatch(/:2: id 1: id already names another event .*duplicate id/);
    expect(journal.get('1')).toMatchObject({ vm: 'web1', result: 'started' });
    expect(() => journal.append(ev('1', 'completed', 'web9'))).toThrow(/id 1 already names another event/);
    journal.append(ev('1', 'completed', 'web1')); // a later state of the same event is fine
    expect(journal.get('1')?.result).toBe('completed');
  });

  it('refuses a journal that is a symlink to /dev/null, a FIFO or a directory', () => {
    symlinkSync('/dev/null', file);
    expect(() => Journal.open(file)).toThrow(`journal ${file} is not a regular file`);
    const fifo = path.join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    expect(() => Journal.open(fifo)).toThrow(/is not a regular file/);
    expect(() => Journal.open(dir)).toThrow(/is not a regular file/);
  });

  it('rotates past segmentBytes, keeps in-flight events in the active segment, deletes beyond keepSegments', () => {
    const { journal } = Journal.open(file, { segmentBytes: 2000, keepSegments: 2 });
    journal.append(ev('running', 'started', 'long-job'));
    for (let i = 0; i < 60; i++) journal.append(ev(`e${i}`, 'completed', `vm${i}`));
    journal.close();
    const rotated = readdirSync(dir).filter((n) => /\.\d{6}$/.test(n));
    expect(rotated).toHaveLength(2);
    // The in-flight event survives retention: its state is carried into each new segment.
    const { journal: again, badLines } = Journal.open(file, { segmentBytes: 2000, keepSegments: 2 });
    expect(badLines).toBe(0);
    expect(again.get('running')?.result).toBe('started');
    expect(again.get('e59')?.result).toBe('completed');
    expect(again.get('e0')).toBeUndefined(); // its segment was deleted by retention
    expect(again.events().length).toBeLessThan(61);
  });

  it('reads a file larger than one read chunk line by line (streaming)', () => {
    const big = { ...ev('x', 'completed'), reason: 'r'.repeat(4000) };
    writeFileSync(file, Array.from({ length: 600 }, (_, i) => line({ ...big, id: `b${i}` })).join(''));
    const { journal, badLines } = Journal.open(file, { readOnly: true });
    expect(badLines).toBe(0);
    expect(journal.events()).toHaveLength(600);
  });
});

describe('Journal: a write or fsync that fails', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-journal-fail-'));
    file = path.join(dir, 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Real fs calls; while `full`, a write stores half its bytes and then fails with ENOSPC. */
  function flakyFs() {
    const state = { full: false, fsyncs: 0 };
    const fs: JournalFs = {
      writeSync: (fd, buf, off, len) => {
        if (!state.full) return writeSync(fd, buf, off, len);
        if (len > 1) writeSync(fd, buf, off, Math.floor(len / 2));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      fsyncSync: (fd) => {
        state.fsyncs++;
        fsyncSync(fd);
      },
      ftruncateSync: (fd, len) => ftruncateSync(fd, len),
    };
    return { state, fs };
  }

  it('cuts the partial line, reports unwritable, keeps closed states pending and writes them on recovery', () => {
    const { state, fs } = flakyFs();
    const { journal } = Journal.open(file, { fs });
    journal.append(ev('a', 'started'));
    state.full = true;
    expect(() => journal.append(ev('a', 'completed'))).toThrow(JournalUnwritableError);
    expect(() => journal.append(ev('b', 'started', 'web2'))).toThrow(/unwritable: ENOSPC/);
    expect(journal.health()).toEqual({ writable: false, error: 'ENOSPC' });
    // No torn fragment left for the next append to glue onto.
    expect(readFileSync(file, 'utf8')).toBe(line(ev('a', 'started')));
    state.full = false;
    expect(journal.health()).toEqual({ writable: true });
    journal.append(ev('c', 'completed', 'web3'));
    journal.close();
    // Nothing lost: a's completion was written on recovery; b never started, so no record.
    expect(parsedLines(file).map((e) => [e.id, e.result])).toEqual([
      ['a', 'started'],
      ['a', 'completed'],
      ['c', 'completed'],
    ]);
    const reopened = Journal.open(file);
    expect(reopened.badLines + reopened.tornBytes).toBe(0);
  });

  it('writes a batch with one write and one fsync', () => {
    const { state, fs } = flakyFs();
    const { journal } = Journal.open(file, { fs });
    journal.appendAll(Array.from({ length: 1000 }, (_, i) => ev(`x${i}`, 'completed', `vm${i}`)));
    expect(state.fsyncs).toBe(1);
    expect(parsedLines(file)).toHaveLength(1000);
    expect(existsSync(quarantineFileOf(file))).toBe(false);
  });
});
