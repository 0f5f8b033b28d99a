// How the cluster view colours VMs by service level (pure): by thresholds, as any Grafana
// panel colours a value. The points' thresholds (the panel's field config defaults) mean
// points and would say nothing about a 0..1 service level, so the service level's bands are
// the thresholds of a field override on its query (Overrides → Fields returned by query
// serviceLevel → Thresholds); without one, red below 0.5 (the planner's default
// serviceLevel.minLevel) and green from it. A VM without an SLI has no value and no band.
import {
  FieldType,
  ThresholdsMode,
  createDataFrame,
  type DataFrame,
  type FieldConfigSource,
  type GrafanaTheme2,
  type ThresholdsConfig,
} from '@grafana/data';
import { numberFields } from './frames';
import { overrideProperties } from './field-config';
import { asThresholds, type PointsDisplay } from './points-display';

/** The planner's default lowest tolerable service level (serviceLevel.minLevel). */
export const DEFAULT_MIN_LEVEL = 0.5;

/** Below the lowest tolerable level in the theme's error colour, from it in its success colour. */
export function defaultLevelThresholds(theme: GrafanaTheme2): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: [
      { value: -Infinity, color: theme.colors.error.main },
      { value: DEFAULT_MIN_LEVEL, color: theme.colors.success.main },
    ],
  };
}

/**
 * The service level's display: its thresholds (from an override matching the service
 * level query's first field, else the default bands), read against max 1 in percentage
 * mode, shown with two decimals.
 */
export function levelDisplay(
  frames: DataFrame[],
  fieldConfig: FieldConfigSource | undefined,
  serviceLevelRefId: string,
  theme: GrafanaTheme2
): PointsDisplay {
  // Before any VM has an SLI the query answers nothing; the legend still shows the bands an
  // override sets, matched against a stand-in field of that query.
  const frame =
    frames.find((f) => f.refId === serviceLevelRefId && numberFields(f).length > 0) ??
    createDataFrame({ refId: serviceLevelRefId, fields: [{ name: 'Value', type: FieldType.number, values: [] }] });
  const field = numberFields(frame)[0];
  const set = overrideProperties(fieldConfig, field, frame, frames).thresholds;
  return { unit: 'none', decimals: 2, max: 1, thresholds: asThresholds(set) ?? defaultLevelThresholds(theme) };
}
