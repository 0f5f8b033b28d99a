// The journal's files: the active segment is the configured path; when it grows past
// `segmentBytes` it is renamed to `<path>.<NNNNNN>` (increasing numbers, oldest lowest) and a
// new active segment begins. Retention deletes the oldest rotated segments beyond
// `keepSegments` or older than `keepDays`. Bad lines go to `<path>.quarantine`.
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface JournalLimits {
  /** Rotate the active segment past this size (bytes). */
  segmentBytes: number;
  /** Keep at most this many rotated segments. */
  keepSegments: number;
  /** Delete rotated segments older than this (days). */
  keepDays: number;
}

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = {
  segmentBytes: 64 * 2 ** 20,
  keepSegments: 16,
  keepDays: 90,
};

export interface Segment {
  file: string;
  /** Rotation number; the active segment has none. */
  seq?: number;
}

/** Rotated segments of `file`, oldest first. */
export function rotatedSegments(file: string): Segment[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d{6,})$`);
  return names
    .map((n) => ({ n, m: re.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ file: path.join(dir, x.n), seq: Number(x.m[1]) }))
    .sort((a, b) => a.seq - b.seq);
}

export function segmentName(file: string, seq: number): string {
  return `${file}.${String(seq).padStart(6, '0')}`;
}

/** Rotated segments retention would delete now (oldest first). */
export function expiredSegments(segs: Segment[], limits: JournalLimits, nowMs: number): Segment[] {
  const tooMany = Math.max(0, segs.length - limits.keepSegments);
  return segs.filter((s, i) => {
    if (i < tooMany) return true;
    try {
      return nowMs - statSync(s.file).mtimeMs > limits.keepDays * 86_400_000;
    } catch {
      return false;
    }
  });
}

export const quarantineFileOf = (file: string) => `${file}.quarantine`;

/** Keeps a line the journal could not take, with where it came from and why. */
export function quarantine(
  file: string,
  entry: { segment: string; line: number; id?: string; error: string; text: string },
): void {
  const text = entry.text.length > 65536 ? `${entry.text.slice(0, 65536)}…` : entry.text;
  appendFileSync(
    quarantineFileOf(file),
    `${JSON.stringify({ at: new Date().toISOString(), ...entry, text })}\n`,
  );
}
