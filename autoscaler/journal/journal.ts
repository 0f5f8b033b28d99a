// The journal: a durable, append-only record of every tuning event (SPEC §8).
//
// Format: JSON lines, one complete TuningEvent per line (core/model/event.ts; a line that
// does not match its schema is counted as bad and ignored). An event is written again each
// time it changes (planned → started → completed/failed); the last line with a given id is
// its current state. Each append is one write(2) followed by fsync(2), before and after
// every side effect, so after a crash the file holds at least the "started" record of any
// action that may have happened.
//
// Why a JSON-lines file and not SQLite: the journal is written a few times per round and
// read whole at start (thousands of events, not millions); an append-only text file needs
// no native module (better-sqlite3 must compile at install, which npm here blocks unless
// approved), is crash-safe with a single fsync per append, can be read with `tail`/`jq`
// by an operator, and its only failure mode — a torn last line after a power cut — is
// detected and cut off on open. Queries (time range, VM, kind) run over the in-memory
// index, which is rebuilt from the file at start.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { type TuningEvent, tuningEventSchema } from '../../core/model/event';

export interface JournalOpenResult {
  journal: Journal;
  /** Bytes of an incomplete last line that were cut off (0 when the file was clean). */
  tornBytes: number;
  /** Lines that were not valid events (kept in the file, ignored). */
  badLines: number;
}

export class Journal {
  private fd: number | null;
  /** Current state of each event, in order of first appearance. */
  private readonly byId = new Map<string, TuningEvent>();

  private constructor(
    readonly file: string,
    fd: number | null,
  ) {
    this.fd = fd;
  }

  /**
   * Opens (creating if needed) a journal, loads its events, and cuts off a torn last line
   * so the next append starts on a fresh line.
   */
  static open(file: string, opts: { readOnly?: boolean } = {}): JournalOpenResult {
    if (opts.readOnly) {
      // `vmpilot plan` reads the history but must never create or change the file.
      const journal = new Journal(file, null);
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      let badLines = 0;
      for (const line of complete.split('\n')) {
        if (line.trim() === '') continue;
        const ev = parseEvent(line);
        if (ev) journal.index(ev);
        else badLines++;
      }
      return { journal, tornBytes: Buffer.byteLength(text) - Buffer.byteLength(complete), badLines };
    }
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(file, 'a+');
    const journal = new Journal(file, fd);
    const text = readFileSync(file, 'utf8');
    let tornBytes = 0;
    let body = text;
    if (text.length > 0 && !text.endsWith('\n')) {
      const cut = text.lastIndexOf('\n') + 1;
      tornBytes = Buffer.byteLength(text.slice(cut));
      body = text.slice(0, cut);
      ftruncateSync(fd, Buffer.byteLength(body));
      fsyncSync(fd);
    }
    let badLines = 0;
    for (const line of body.split('\n')) {
      if (line.trim() === '') continue;
      const ev = parseEvent(line);
      if (ev) journal.index(ev);
      else badLines++;
    }
    if (text.length === 0) syncDir(file);
    return { journal, tornBytes, badLines };
  }

  private index(ev: TuningEvent): void {
    // Map keeps the first insertion position; set() on an existing key updates in place.
    this.byId.set(ev.id, ev);
  }

  /** Appends the event's current state durably (write + fsync) and indexes it. */
  append(ev: TuningEvent): void {
    if (this.fd === null) throw new Error(`journal ${this.file} is closed or read-only`);
    const line = `${JSON.stringify(ev)}\n`;
    const buf = Buffer.from(line);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fsyncSync(this.fd);
    this.index(structuredClone(ev));
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
    return this.events().filter((e) => e.result === 'started' || e.result === 'planned');
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/**
 * One journal line as an event, or null when it is not valid JSON or not a valid event
 * (a hand edit, a line from a foreign file). Checked against the event schema; the line's
 * own object is kept, so fields a newer version added survive a re-read.
 */
export function parseEvent(line: string): TuningEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null; // a malformed line in the middle (hand edit): ignored and counted
  }
  return tuningEventSchema.safeParse(v).success ? (v as TuningEvent) : null;
}

/** fsync the directory so a newly created journal file survives a crash. */
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
