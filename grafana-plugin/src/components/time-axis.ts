// Maps times to x positions over the panel's time range, and picks tick marks labelled in
// the dashboard's time zone (pure).
import { dateTimeFormat } from '@grafana/data';

export interface TimeScale {
  x(ms: number): number;
  ticks: Array<{ ms: number; x: number; label: string }>;
}

export function timeScale(
  fromMs: number,
  toMs: number,
  x0: number,
  x1: number,
  timeZone = 'utc',
  tickCount = 5
): TimeScale {
  const span = Math.max(1, toMs - fromMs);
  const x = (ms: number) => x0 + ((ms - fromMs) / span) * (x1 - x0);
  const ticks = Array.from({ length: tickCount + 1 }, (_, i) => {
    const ms = fromMs + (span * i) / tickCount;
    return { ms, x: x(ms), label: dateTimeFormat(ms, { timeZone, format: 'HH:mm:ss' }) };
  });
  return { x, ticks };
}

/** Text anchor of tick `i` of `n`: the outer labels stay inside the plot. */
export function tickAnchor(i: number, n: number): 'start' | 'middle' | 'end' {
  return i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
}
