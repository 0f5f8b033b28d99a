// The one duration parser of vmpilot, for flags and config alike. It accepts what Go and
// Prometheus tools accept — a sequence of number+unit (`1m30s`, `1.5h`, `500ms`, `2d`) — so
// an operator writes durations the same way for every tool. A bare number means seconds
// (or the unit a legacy flag documented, e.g. `vmpilot hosts --timeout` in milliseconds).
// It lives in core/model so the planner's config (autoscaler/decision/, which may import
// only core/model) uses the same definition as the service config and the CLI flags.
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

/**
 * A config field that takes a time span: a plain number in `bareUnit` (seconds unless said,
 * as the field's name tells: `t2Seconds`, `maxDowntimeMs`) or a duration text (`5m`,
 * `1h30m`). Parses to a number in that unit, so the rest of the code and `--print` see numbers.
 * Follow it with `.pipe(z.number()…)` for the field's bounds.
 */
export function durationIn(bareUnit: 'ms' | 's' = 's') {
  return z
    .union([z.number(), z.string()], {
      error: `expected a number of ${bareUnit === 's' ? 'seconds' : 'milliseconds'} or a duration (${DURATION_EXAMPLES})`,
    })
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      try {
        const ms = parseDuration(v, { bareUnit });
        return bareUnit === 's' ? ms / 1000 : ms;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    });
}

/** Seconds: a number, or a duration text (`20s`, `5m`, `1h30m`). */
export const seconds = durationIn('s');
