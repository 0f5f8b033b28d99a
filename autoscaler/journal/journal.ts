// The journal: a durable, append-only record of every tuning event (SPEC §8).
//
// Format: JSON lines, one complete TuningEvent per line (core/model/event.ts). An event is
// written again each time it changes (planned → started → completed/failed); the last line
// with a given id is its current state. Each append (or batch of appends) is one write(2)
// followed by one fsync(2), before and after every side effect, so after a crash the file
// holds at least the "started" record of any action that may have happened.
//
// Why a JSON-lines file and not SQLite: the journal is written a few times per round and
// read at start; an append-only text file needs no native module, is crash-safe with one
// fsync per append, can be read with `tail`/`jq`, and its only crash failure — a torn last
// line — is cut off on open. Queries run over the in-memory index rebuilt at start.
//
// Bounded and robust (issue 17): segments rotate past a size and old ones are deleted
// (segments.ts); files are read by streaming (lines.ts); a line that is not a valid event,
// or reuses the id of another event, is moved to the quarantine side file with its
// file:line:id and reason, never silently dropped; only a regular file is accepted. When a
// write or fsync fails (disk full, I/O error) the partial line is cut off, the event is kept
// pending, `health()` reports the journal unwritable (the service holds everything) and
// every later call tries again: when writes succeed the pending events are written first.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { isInFlight, type TuningEvent, tuningEventSchema } from '../../core/model/event';
import type { DurableJournal, JournalHealth } from './event-log';
import { scanLines } from './lines';
import {
  DEFAULT_JOURNAL_LIMITS,
  expiredSegments,
  quarantine,
  rotatedSegments,
  segmentName,
  type JournalLimits,
  type Segment,
} from './segments';

export interface JournalOpenResult {
  journal: Journal;
  /** Bytes of an incomplete last line that were cut off (0 when the file was clean). */
  tornBytes: number;
  /** Lines that were not valid events (moved to the quarantine file; read-only: counted). */
  badLines: number;
  /** One "file:line: id …: reason" per bad line (the first 20). */
  problems: string[];
}

export interface JournalOptions extends Partial<JournalLimits> {
  /** Read only (`vmpilot plan`): never create, cut, quarantine or write anything. */
  readOnly?: boolean;
  /** File-system calls the journal writes with (tests count fsyncs, inject ENOSPC). */
  fs?: JournalFs;
}

/** The write-side calls, injectable so a test can count them. */
export interface JournalFs {
  writeSync: (fd: number, buf: Buffer, off: number, len: number) => number;
  fsyncSync: (fd: number) => void;
  ftruncateSync: (fd: number, len: number) => void;
}

const realFs: JournalFs = {
  writeSync: (fd, buf, off, len) => writeSync(fd, buf, off, len),
  fsyncSync,
  ftruncateSync,
};

/** Appends are refused until the journal can be written again (disk full, I/O error). */
export class JournalUnwritableError extends Error {
  override readonly name = 'JournalUnwritableError';
}

const identity = (e: TuningEvent) => `${e.kind}\u0000${e.action}\u0000${e.vm}`;
const CLOSED = new Set<TuningEvent['result']>(['completed', 'failed', 'skipped', 'dry-run']);
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class Journal implements DurableJournal {
  private fd: number | null;
  /** Current state of each event, in order of first appearance. */
  private readonly byId = new Map<string, TuningEvent>();
  /** Segment (rotation number; active = Infinity) holding each event's current state. */
  private readonly segmentOf = new Map<string, number>();
  /** Size of the active segment up to the last durable line. */
  private size = 0;
  private failure: string | null = null;
  /** Events whose state could not be written yet, latest state per id. */
  private readonly pending = new Map<string, TuningEvent>();

  private constructor(
    readonly file: string,
    fd: number | null,
    private readonly limits: JournalLimits,
    private readonly fs: JournalFs,
  ) {
    this.fd = fd;
  }

  /**
   * Opens (creating if needed) a journal, loads its segments, cuts off a torn last line so
   * the next append starts on a fresh line, and quarantines lines that are not events.
   */
  static open(file: string, opts: JournalOptions = {}): JournalOpenResult {
    const limits: JournalLimits = {
      segmentBytes: opts.segmentBytes ?? DEFAULT_JOURNAL_LIMITS.segmentBytes,
      keepSegments: opts.keepSegments ?? DEFAULT_JOURNAL_LIMITS.keepSegments,
      keepDays: opts.keepDays ?? DEFAULT_JOURNAL_LIMITS.keepDays,
    };
    if (existsSync(file) && !statSync(file).isFile())
      throw new Error(
        `journal ${file} is not a regular file (a device, FIFO or directory cannot hold events)`,
      );
    const readOnly = opts.readOnly === true;
    if (!readOnly) mkdirSync(path.dirname(file), { recursive: true });
    const created = !readOnly && !existsSync(file);
    const fd = readOnly ? null : openSync(file, 'a+');
    const journal = new Journal(file, fd, limits, opts.fs ?? realFs);
    const segments: Segment[] = [...rotatedSegments(file), ...(existsSync(file) ? [{ file }] : [])];
    let tornBytes = 0;
    let badLines = 0;
    const problems: string[] = [];
    for (const seg of segments) {
      const bad: number[] = [];
      const scan = scanLines(seg.file, (l) => {
        if (l.text.trim() === '') return;
        const r = journal.check(l.text, l.tooLong);
        if ('event' in r) {
          journal.index(r.event, seg.seq ?? Infinity);
          return;
        }
        badLines++;
        bad.push(l.lineNo);
        const where = `${seg.file}:${l.lineNo}${r.id !== undefined ? `: id ${r.id}` : ''}`;
        if (problems.length < 20) problems.push(`${where}: ${r.error}`);
        if (!readOnly)
          quarantine(file, { segment: seg.file, line: l.lineNo, id: r.id, error: r.error, text: l.text });
      });
      if (seg.seq === undefined) {
        tornBytes = scan.tornBytes;
        if (!readOnly && fd !== null && scan.tornBytes > 0) {
          ftruncateSync(fd, scan.completeBytes);
          fsyncSync(fd);
        }
        journal.size = scan.completeBytes;
      }
      if (!readOnly && bad.length > 0) journal.rewriteWithout(seg, new Set(bad));
    }
    if (!readOnly) {
      if (created) syncDir(file);
      journal.retain(Date.now());
    }
    return { journal, tornBytes, badLines, problems };
  }

  /** A line as an event, or why not (schema, JSON, an id reused for another event). */
  private check(line: string, tooLong: boolean): { event: TuningEvent } | { id?: string; error: string } {
    if (tooLong) return { error: 'line too long (not an event)' };
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      return { error: `not JSON: ${errText(e)}` };
    }
    const rawId = (v as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' ? rawId.slice(0, 200) : undefined;
    const p = tuningEventSchema.safeParse(v);
    if (!p.success) {
      const issue = p.error.issues[0];
      return { id, error: `not a tuning event: ${issue.path.join('.') || 'line'}: ${issue.message}` };
    }
    const ev = v as TuningEvent; // the line's own object: fields a newer version added survive
    const have = this.byId.get(ev.id);
    if (have && identity(have) !== identity(ev))
      return {
        id,
        error: `id already names another event (${have.kind} ${have.action} of ${have.vm || '-'}): duplicate id`,
      };
    return { event: ev };
  }

  /** Rewrites a segment without the given (quarantined) lines: temp file, fsync, rename. */
  private rewriteWithout(seg: Segment, bad: Set<number>): void {
    const tmp = `${seg.file}.rewrite`;
    const out = openSync(tmp, 'w');
    let size = 0;
    try {
      scanLines(seg.file, (l) => {
        if (bad.has(l.lineNo)) return;
        const b = Buffer.from(`${l.text}\n`);
        let off = 0;
        while (off < b.length) off += writeSync(out, b, off, b.length - off);
        size += b.length;
      });
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, seg.file);
    syncDir(seg.file);
    if (seg.seq === undefined && this.fd !== null) {
      closeSync(this.fd);
      this.fd = openSync(this.file, 'a+');
      this.size = size;
    }
  }

  private index(ev: TuningEvent, segment: number): void {
    // Map keeps the first insertion position; set() on an existing key updates in place.
    this.byId.set(ev.id, ev);
    this.segmentOf.set(ev.id, segment);
  }

  /** Appends the event's current state durably (write + fsync) and indexes it. */
  append(ev: TuningEvent): void {
    this.appendAll([ev]);
  }

  /**
   * Appends several events with one write and one fsync (a webhook's alerts). Throws
   * JournalUnwritableError when the journal cannot be written; see the header for what is
   * kept pending then.
   */
  appendAll(evs: readonly TuningEvent[]): void {
    if (this.fd === null) throw new Error(`journal ${this.file} is closed or read-only`);
    for (const ev of evs) {
      const have = this.byId.get(ev.id) ?? this.pending.get(ev.id);
      if (have && identity(have) !== identity(ev))
        throw new Error(`journal ${this.file}: id ${ev.id} already names another event (duplicate id)`);
    }
    if (this.failure !== null && !this.recover()) {
      for (const ev of evs) this.keepPending(ev);
      throw new JournalUnwritableError(`journal ${this.file} unwritable: ${this.failure}`);
    }
    try {
      this.write(evs);
    } catch (e) {
      this.failed(e);
      for (const ev of evs) this.keepPending(ev);
      throw new JournalUnwritableError(`journal ${this.file} unwritable: ${this.failure}`, { cause: e });
    }
    if (this.size >= this.limits.segmentBytes) this.rotateSafely();
  }

  /** Whether appends succeed now; while they do not, tries again (truncate, pending events). */
  health(): JournalHealth {
    if (this.failure !== null && this.fd !== null) this.recover();
    return this.failure === null ? { writable: true } : { writable: false, error: this.failure };
  }

  /** One write and one fsync of whole lines; the index follows only a durable write. */
  private write(evs: readonly TuningEvent[]): void {
    if (evs.length === 0 || this.fd === null) return;
    const buf = Buffer.from(evs.map((e) => `${JSON.stringify(e)}\n`).join(''));
    let off = 0;
    while (off < buf.length) off += this.fs.writeSync(this.fd, buf, off, buf.length - off);
    this.fs.fsyncSync(this.fd);
    this.size += buf.length;
    for (const e of evs) {
      this.index(structuredClone(e), Infinity);
      this.pending.delete(e.id);
    }
  }

  /** Writes an empty line (skipped when read) to learn whether writes succeed again. */
  private probe(): void {
    if (this.fd === null) return;
    this.fs.writeSync(this.fd, Buffer.from('\n'), 0, 1);
    this.fs.fsyncSync(this.fd);
    this.size += 1;
  }

  private failed(e: unknown): void {
    this.failure = (e as NodeJS.ErrnoException).code ?? errText(e);
    this.truncateTorn();
  }

  /** Cuts a partial line the failed write may have left, so the next line starts clean. */
  private truncateTorn(): boolean {
    if (this.fd === null) return false;
    try {
      this.fs.ftruncateSync(this.fd, this.size);
      return true;
    } catch {
      return false; // tried again before the next write
    }
  }

  /** Tries to write again: cut any torn tail, then the pending events. True when it worked. */
  private recover(): boolean {
    if (!this.truncateTorn()) return false;
    try {
      if (this.pending.size > 0) this.write([...this.pending.values()]);
      else this.probe();
      this.failure = null;
      return true;
    } catch (e) {
      this.failed(e);
      return false;
    }
  }

  /**
   * What must still be written of an event whose append failed: a closed state always (the
   * action happened or was decided); a first "planned"/"started" record nothing (the caller
   * gets the error and does not act); a "started" that was never durable but follows a
   * durable "planned" closes that event as skipped.
   */
  private keepPending(ev: TuningEvent): void {
    if (CLOSED.has(ev.result)) this.pending.set(ev.id, ev);
    else if (this.byId.get(ev.id)?.result === 'started') this.pending.set(ev.id, ev);
    else if (this.byId.has(ev.id))
      this.pending.set(ev.id, {
        ...ev,
        result: 'skipped',
        error: 'not started: the journal could not be written',
      });
  }

  /** Rotation and retention; a failure here is a write failure like any other. */
  private rotateSafely(): void {
    try {
      this.rotate();
    } catch (e) {
      this.failed(e);
    }
  }

  /**
   * Renames the active segment to the next number, starts a new one holding the current
   * state of the events still in flight (so retention never loses them), then deletes
   * what retention allows.
   */
  private rotate(): void {
    if (this.fd === null) return;
    const segs = rotatedSegments(this.file);
    const seq = (segs[segs.length - 1]?.seq ?? 0) + 1;
    this.fs.fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.file, segmentName(this.file, seq));
    for (const [id, s] of this.segmentOf) if (s === Infinity) this.segmentOf.set(id, seq);
    this.fd = openSync(this.file, 'a+');
    this.size = 0;
    syncDir(this.file);
    this.write(this.inFlight());
    this.retain(Date.now());
  }

  /** Deletes expired rotated segments and forgets the events whose state lived only there. */
  private retain(nowMs: number): void {
    const gone = expiredSegments(rotatedSegments(this.file), this.limits, nowMs);
    if (gone.length === 0) return;
    const seqs = new Set(gone.map((s) => s.seq));
    for (const s of gone) rmSync(s.file, { force: true });
    for (const [id, s] of this.segmentOf) {
      const ev = this.byId.get(id);
      if (seqs.has(s) && ev && CLOSED.has(ev.result)) {
        this.byId.delete(id);
        this.segmentOf.delete(id);
      }
    }
  }

  get(id: string): TuningEvent | undefined {
    return this.byId.get(id);
  }

  /** Every event in its current state, oldest decision first. */
  events(): TuningEvent[] {
    return [...this.byId.values()];
  }

  /** Migrations (and other actions) journalled as started but never closed. */
  inFlight(): TuningEvent[] {
    return this.events().filter(isInFlight);
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** fsync the directory so a newly created or renamed journal file survives a crash. */
function syncDir(file: string): void {
  try {
    const dfd = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // some filesystems refuse fsync on directories; the file itself is still synced
  }
}
