// Forecast of the next observation from a short series (SPEC §4: allocate for the next
// interval's demand, not the last sample): simple exponential smoothing (EWMA) or Holt's
// linear trend method. Never negative (demands are not).

export interface ForecastParams {
  method: 'ewma' | 'holt';
  alpha: number;
  beta: number;
}

/** EWMA level after the series (oldest first); 0 for an empty series. */
export function ewma(series: readonly number[], alpha: number): number {
  if (series.length === 0) return 0;
  let level = series[0];
  for (let i = 1; i < series.length; i++) level = alpha * series[i] + (1 - alpha) * level;
  return level;
}

/** Holt's one-step-ahead forecast (level + trend); falls back to the value for < 2 points. */
export function holt(series: readonly number[], alpha: number, beta: number): number {
  if (series.length === 0) return 0;
  if (series.length === 1) return series[0];
  let level = series[0];
  let trend = series[1] - series[0];
  for (let i = 1; i < series.length; i++) {
    const prevLevel = level;
    level = alpha * series[i] + (1 - alpha) * (level + trend);
    trend = beta * (level - prevLevel) + (1 - beta) * trend;
  }
  return level + trend;
}

export function forecastNext(series: readonly number[], p: ForecastParams): number {
  const f = p.method === 'holt' ? holt(series, p.alpha, p.beta) : ewma(series, p.alpha);
  return Math.max(0, f);
}

/**
 * The same forecast over one field of a sequence of records (the planner's usage histories),
 * without building the series: identical results to forecastNext on the extracted series.
 */
export function forecastSeries<K extends string>(
  history: readonly Record<K, number>[],
  key: K,
  p: ForecastParams,
): number {
  const n = history.length;
  if (n === 0) return 0;
  if (p.method === 'ewma' || n === 1) {
    let level = history[0][key];
    for (let i = 1; i < n; i++) level = p.alpha * history[i][key] + (1 - p.alpha) * level;
    return Math.max(0, level);
  }
  let level = history[0][key];
  let trend = history[1][key] - level;
  for (let i = 1; i < n; i++) {
    const prevLevel = level;
    level = p.alpha * history[i][key] + (1 - p.alpha) * (level + trend);
    trend = p.beta * (level - prevLevel) + (1 - p.beta) * trend;
  }
  return Math.max(0, level + trend);
}

/**
 * Share of the next `horizonSeconds` that the present state of a series — above or at most
 * `threshold` — is expected to last, read from the series itself (`stepSeconds` apart, oldest
 * first, the last point the present). A run of the present state that began and ended inside
 * the series is a completed episode; the present one is expected to last their mean length,
 * less what it has already lasted, and the rest of the horizon to look like the series as a
 * whole (the caller's profile). Without a completed episode the series does not say the
 * present ends: 1 (a steady host, a host whose load just stepped up). The first run is not
 * an episode (it began before the series did).
 */
export function presentShare(
  series: readonly number[],
  threshold: number,
  stepSeconds: number,
  horizonSeconds: number,
): number {
  const n = series.length;
  if (n < 3 || !(stepSeconds > 0) || !(horizonSeconds > 0)) return 1;
  const above = (x: number) => x > threshold;
  const now = above(series[n - 1]);
  // Runs of equal state: [state, length], oldest first.
  const runs: [boolean, number][] = [];
  for (const x of series) {
    const s = above(x);
    const last = runs[runs.length - 1];
    if (last && last[0] === s) last[1]++;
    else runs.push([s, 1]);
  }
  const completed = runs.slice(1, -1).filter(([s]) => s === now);
  if (completed.length === 0) return 1;
  const meanSeconds = (completed.reduce((a, [, len]) => a + len, 0) / completed.length) * stepSeconds;
  const elapsedSeconds = runs[runs.length - 1][1] * stepSeconds;
  return Math.min(1, Math.max(0, meanSeconds - elapsedSeconds) / horizonSeconds);
}
