// The one duration parser of vmpilot, for flags and config alike. It accepts what Go and
// Prometheus tools accept — a sequence of number+unit (`1m30s`, `1.5h`, `500ms`, `2d`) — so
// an operator writes durations the same way for every tool. A bare number means seconds
// (or the unit a legacy flag documented, e.g. `vmpilot hosts --timeout` in milliseconds).
import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y;

export const DURATION_EXAMPLES = 'e.g. 1m30s, 5s or 500ms';

export interface DurationOptions {
  /** Unit of a bare number (default seconds). */
  bareUnit?: 'ms' | 's';
}

/** Milliseconds of a duration text; throws a one-line Error naming the text. */
export function parseDuration(text: string, opts: DurationOptions = {}): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * (opts.bareUnit === 'ms' ? 1 : 1000);
  let ms = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m) break;
    ms += Number(m[1]) * UNIT_MS[m[2]];
    at = PART.lastIndex;
  }
  if (s === '' || at !== s.length) throw new Error(`"${text}" is not a duration (${DURATION_EXAMPLES})`);
  return ms;
}

/** A flag's duration, with the flag named in the error. */
export function parseFlagDuration(flag: string, text: string, opts: DurationOptions = {}): number {
  try {
    return parseDuration(text, opts);
  } catch {
    throw new Error(`${flag} "${text}": expected a duration (${DURATION_EXAMPLES})`);
  }
}

/** The same parser as a zod schema for config fields: a duration string → milliseconds. */
export const durationMs = z.string().transform((s, ctx) => {
  try {
    return parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

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
