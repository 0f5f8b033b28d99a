// Duration flags: the one parser (core/model/duration.ts) with the flag named in its error,
// and the Go-style text of a default for help texts.
import { DURATION_EXAMPLES, parseDuration, type DurationOptions } from '../model/duration';

export { parseDuration, type DurationOptions } from '../model/duration';

/** A flag's duration, with the flag named in the error. */
export function parseFlagDuration(flag: string, text: string, opts: DurationOptions = {}): number {
  try {
    return parseDuration(text, opts);
  } catch {
    throw new Error(`${flag} "${text}": expected a duration (${DURATION_EXAMPLES})`);
  }
}

/** Milliseconds as the shortest Go-style text (90000 → "1m30s"), for defaults in help texts. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
