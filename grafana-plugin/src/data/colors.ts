// Colours: resources (points view), event kinds and results, hosts. "classic" uses the
// Grafana theme's named colours (so light and dark themes each get their shade);
// "colorblind" uses the Okabe–Ito palette, distinguishable with every common colour
// vision deficiency.
import type { GrafanaTheme2 } from '@grafana/data';
import type { ColorScheme, Resource } from '../types';

const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'];

const CLASSIC_RESOURCE: Record<Resource, string> = { cpu: 'blue', mem: 'orange', disk: 'green', net: 'purple' };
/** The event kinds, in the order of the events view's lanes and legend. */
export const EVENT_KINDS = ['local', 'global', 'alert', 'operator'] as const;
const CLASSIC_KIND: Record<string, string> = { local: 'blue', global: 'orange', alert: 'red', operator: 'purple' };

export function resourceColor(theme: GrafanaTheme2, scheme: ColorScheme, r: Resource): string {
  if (scheme === 'colorblind') {
    return OKABE_ITO[['cpu', 'mem', 'disk', 'net'].indexOf(r)];
  }
  return theme.visualization.getColorByName(CLASSIC_RESOURCE[r]);
}

export function kindColor(theme: GrafanaTheme2, scheme: ColorScheme, kind: string): string {
  if (scheme === 'colorblind') {
    // Sky blue, vermillion, yellow, reddish purple (the first three not used by resources).
    return OKABE_ITO[[4, 5, 6, 3][Math.max(0, EVENT_KINDS.indexOf(kind as (typeof EVENT_KINDS)[number]))]];
  }
  return theme.visualization.getColorByName(CLASSIC_KIND[kind] ?? 'text');
}

export function resultColor(theme: GrafanaTheme2, result: string): string {
  if (result === 'failed') {
    return theme.colors.error.main;
  }
  if (result === 'running') {
    return theme.colors.warning.main;
  }
  return theme.colors.success.main;
}

/** A stable colour per host name, from the theme's palette. */
export function hostColor(theme: GrafanaTheme2, hosts: readonly string[], host: string): string {
  const palette = theme.visualization.palette;
  const i = Math.max(0, [...hosts].sort().indexOf(host));
  return theme.visualization.getColorByName(palette[i % palette.length]);
}

const COLORBLIND_STEPS = ['#009E73', '#F0E442', '#E69F00', '#D55E00'];

/**
 * Colour of threshold step `index` of `count` (the field config's thresholds): the step's
 * own colour, or in the colour-blind scheme the Okabe–Ito colour at the same position from
 * the lowest step (bluish green) to the highest (vermillion).
 */
export function thresholdColor(
  theme: GrafanaTheme2,
  scheme: ColorScheme,
  step: { color: string },
  index: number,
  count: number
): string {
  if (scheme === 'colorblind') {
    const last = COLORBLIND_STEPS.length - 1;
    return COLORBLIND_STEPS[Math.round((index * last) / Math.max(1, count - 1))];
  }
  return theme.visualization.getColorByName(step.color);
}

/** A VM without a service level (no SLI): outside every threshold band. */
export function noLevelColor(theme: GrafanaTheme2, scheme: ColorScheme): string {
  return scheme === 'colorblind' ? '#999999' : theme.colors.secondary.main;
}
