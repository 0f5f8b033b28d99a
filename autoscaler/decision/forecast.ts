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
