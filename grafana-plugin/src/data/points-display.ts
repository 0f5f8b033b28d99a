// How points are displayed, from Grafana's standard field options (pure): unit, decimals,
// max (the points view's full bar) and thresholds (the cluster view's VM colours). Grafana
// applies the panel's field config — defaults and overrides — to each field before the
// panel sees the data, so the config of the first points field is what the user set; where
// a host application did not apply it (the live view), the panel's field config source —
// defaults, then the overrides matching the field — stands in, then the plugin's defaults.
import {
  type DataFrame,
  type FieldConfigSource,
  type Threshold,
  type ThresholdsConfig,
  ThresholdsMode,
  formattedValueToString,
  getActiveThreshold,
  getValueFormat,
} from '@grafana/data';
import { numberFields } from './frames';
import { overrideProperties } from './field-config';

/** Green below 10 points, yellow from 10, orange from 25, red from 50 (100 = a whole host). */
export const DEFAULT_THRESHOLDS: ThresholdsConfig = {
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: -Infinity, color: 'green' },
    { value: 10, color: 'yellow' },
    { value: 25, color: 'orange' },
    { value: 50, color: 'red' },
  ],
};
export const DEFAULT_UNIT = 'none';
export const DEFAULT_DECIMALS = 1;
/** What a percentage threshold is a percentage of when no max is set: a whole host. */
const HOST_POINTS = 100;

export interface PointsDisplay {
  unit: string;
  decimals: number;
  /** The value a full bar stands for; undefined: the largest VM's total. */
  max?: number;
  thresholds: ThresholdsConfig;
}

/** The display config of the points fields (labels host, domain, resource). */
export function pointsDisplay(frames: DataFrame[], fieldConfig?: FieldConfigSource): PointsDisplay {
  const [frame, field] = frames
    .flatMap((fr) => numberFields(fr).map((f) => [fr, f] as const))
    .find(([, f]) => f.labels?.resource !== undefined) ?? [undefined, undefined];
  const applied = Object.fromEntries(Object.entries(field?.config ?? {}).filter(([, v]) => v != null));
  const overrides = frame && field ? overrideProperties(fieldConfig, field, frame, frames) : {};
  const c: Record<string, unknown> = { ...fieldConfig?.defaults, ...overrides, ...applied };
  return {
    unit: typeof c.unit === 'string' && c.unit !== '' ? c.unit : DEFAULT_UNIT,
    decimals: typeof c.decimals === 'number' ? c.decimals : DEFAULT_DECIMALS,
    ...(typeof c.max === 'number' && Number.isFinite(c.max) ? { max: c.max } : {}),
    thresholds: asThresholds(c.thresholds) ?? DEFAULT_THRESHOLDS,
  };
}

/** A thresholds config with at least one step, else undefined (a JSON override may hold anything). */
export function asThresholds(v: unknown): ThresholdsConfig | undefined {
  const steps = (v as Partial<ThresholdsConfig> | undefined)?.steps;
  return Array.isArray(steps) && steps.length > 0 ? (v as ThresholdsConfig) : undefined;
}

export function formatPoints(d: PointsDisplay, v: number): string {
  return formattedValueToString(getValueFormat(d.unit)(v, d.decimals));
}

/** The threshold step a value falls in and its index among the steps. */
export function thresholdStep(d: PointsDisplay, v: number): { step: Threshold; index: number } {
  const x = d.thresholds.mode === ThresholdsMode.Percentage ? (v / (d.max ?? HOST_POINTS)) * 100 : v;
  const step = getActiveThreshold(x, d.thresholds.steps);
  return { step, index: Math.max(0, d.thresholds.steps.indexOf(step)) };
}

/** Legend labels of the steps: "< 10", "10–25", …, "≥ 50" (with % in percentage mode). */
export function thresholdLabels(d: PointsDisplay): string[] {
  const pct = d.thresholds.mode === ThresholdsMode.Percentage;
  // Boundaries as typed (10, 0.5; not 10.0, 0.500): the unit, but not the values' decimals.
  const typed = (x: number) => (String(x).split('.')[1] ?? '').length;
  const v = (x: number) => (pct ? `${x} %` : formattedValueToString(getValueFormat(d.unit)(x, typed(x))));
  const steps = d.thresholds.steps;
  return steps.map((s, i) => {
    const next = steps[i + 1]?.value;
    if (i === 0) {
      return next === undefined ? 'all' : `< ${v(next)}`;
    }
    return next === undefined ? `≥ ${v(s.value)}` : `${v(s.value)}–${v(next)}`;
  });
}
