// Colours: resources (points view), event kinds and results, hosts. "classic" uses the
// Grafana theme's named colours (so light and dark themes each get their shade);
// "colorblind" uses the Okabe–Ito palette, distinguishable with every common colour
// vision deficiency.
import type { GrafanaTheme2 } from '@grafana/data';
import type { ColorScheme, Resource } from '../types';

const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'];

const CLASSIC_RESOURCE: Record<Resource, string> = { cpu: 'blue', mem: 'orange', disk: 'green', net: 'purple' };
const CLASSIC_KIND: Record<string, string> = { local: 'blue', global: 'orange', alert: 'red' };

export function resourceColor(theme: GrafanaTheme2, scheme: ColorScheme, r: Resource): string {
  if (scheme === 'colorblind') {
    return OKABE_ITO[['cpu', 'mem', 'disk', 'net'].indexOf(r)];
  }
  return theme.visualization.getColorByName(CLASSIC_RESOURCE[r]);
}

export function kindColor(theme: GrafanaTheme2, scheme: ColorScheme, kind: string): string {
  if (scheme === 'colorblind') {
    return OKABE_ITO[Math.max(0, ['local', 'global', 'alert'].indexOf(kind)) + 4];
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

/** Upper bounds of the points buckets the cluster view colours VMs by (100 = a whole host). */
export const POINTS_BUCKETS = [10, 25, 50] as const;
const CLASSIC_POINTS = ['green', 'yellow', 'orange', 'red'];
const COLORBLIND_POINTS = ['#009E73', '#F0E442', '#E69F00', '#D55E00'];

/** Bucket 0..3 of a VM's total points. */
export function pointsBucket(points: number): number {
  const i = POINTS_BUCKETS.findIndex((b) => points < b);
  return i === -1 ? POINTS_BUCKETS.length : i;
}

export function pointsColor(theme: GrafanaTheme2, scheme: ColorScheme, points: number): string {
  const i = pointsBucket(points);
  return scheme === 'colorblind' ? COLORBLIND_POINTS[i] : theme.visualization.getColorByName(CLASSIC_POINTS[i]);
}
