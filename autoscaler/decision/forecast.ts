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
