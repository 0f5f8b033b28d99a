// Migration windows (issue 14): cron expressions saying when a migration may start. A
// migration may start at instant t when the minute containing t matches one of them (in
// the windows' time zone), as cron runs a job: `* 22-23,0-5 * * *` = 22:00 to 05:59,
// `* * * * 6,0` = all weekend. Outside every window the planner plans no migration and
// says so; local tuning goes on. Expressions are read by croner (zero dependencies, time
// zones, maintained; node-cron only schedules callbacks and cannot answer "does this
// minute match" without running a timer).
import { Cron } from 'croner';

export interface MigrationWindows {
  /** Standard five-field cron expressions (minute hour day-of-month month day-of-week). */
  cron: readonly string[];
  /** IANA time zone the expressions are read in. */
  timezone: string;
}

/** Why no migration may start this round. */
export interface MigrationHold {
  code: 'outside_window';
  /** One line for people: the windows and when the next one opens. */
  reason: string;
}

const compiled = new Map<string, Cron>();

function cronOf(expr: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expr}`;
  let c = compiled.get(key);
  if (!c) {
    // No callback: the object only answers questions, it never schedules a timer.
    c = new Cron(expr, { timezone, mode: '5-part' });
    compiled.set(key, c);
  }
  return c;
}

/** Why `expr` is not a usable five-field cron expression in `timezone`, or undefined. */
export function cronError(expr: string, timezone = 'UTC'): string | undefined {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5)
    return `"${expr}": expected 5 fields (minute hour day-of-month month day-of-week), got ${fields}`;
  try {
    cronOf(expr, timezone);
    return undefined;
  } catch (e) {
    return `"${expr}": ${(e instanceof Error ? e.message : String(e)).replace(/^CronPattern: /, '')}`;
  }
}

/** Why `tz` is not an IANA time zone this Node knows, or undefined. */
export function timezoneError(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone "${tz}" (expected an IANA name such as UTC or Europe/Berlin)`;
  }
}

/**
 * Undefined when a migration may start at `now` (no windows configured, or the minute of
 * `now` matches one), else the hold with the next opening.
 */
export function migrationHold(w: MigrationWindows, now: number): MigrationHold | undefined {
  if (w.cron.length === 0) return undefined;
  const minute = new Date(Math.floor(now / 60_000) * 60_000);
  let next: Date | undefined;
  for (const expr of w.cron) {
    const c = cronOf(expr, w.timezone);
    if (c.match(minute)) return undefined;
    const n = c.nextRun(minute);
    if (n && (!next || n < next)) next = n;
  }
  const opens = next ? `; the next opens at ${next.toISOString()}` : '; none opens again';
  return {
    code: 'outside_window',
    reason: `outside the migration windows (${w.cron.map((c) => `"${c}"`).join(', ')} ${w.timezone})${opens}: no migration starts, local tuning goes on`,
  };
}
