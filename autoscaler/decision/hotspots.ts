// Hotspot detection (SPEC §5, Sandpiper-style): a host is overloaded when some resource's
// load exceeds `high` in at least k of the last n observations AND in the forecast;
// underloaded when every forecast load is below `low`. A host Alertmanager reports hot
// (`alerted`) skips the k-of-n count: its alert rule already required persistence.
import { RESOURCES, type Resource, type ResourceVector } from '../../core/model/snapshot';

export interface HotspotParams {
  high: number;
  low: number;
  k: number;
  n: number;
}

export interface HotspotVerdict {
  overloaded: boolean;
  underloaded: boolean;
  /** Resources that are hot (k of n and forecast). */
  hot: Resource[];
  /** How far the worst forecast load is above `high` (0 when not overloaded). */
  severity: number;
}

/** Number of the last n observations in which resource r is above `high`. */
export function hotCount(observed: readonly ResourceVector[], r: Resource, high: number, n: number): number {
  let count = 0;
  for (let i = Math.max(0, observed.length - n); i < observed.length; i++) if (observed[i][r] > high) count++;
  return count;
}

export function classifyHost(
  observed: readonly ResourceVector[],
  forecast: ResourceVector,
  p: HotspotParams,
  alerted = false,
): HotspotVerdict {
  const hot: Resource[] = [];
  let severity = 0;
  let underloaded = true;
  for (const r of RESOURCES) {
    if (forecast[r] >= p.low) underloaded = false;
    if (forecast[r] > p.high && (alerted || hotCount(observed, r, p.high, p.n) >= p.k)) {
      hot.push(r);
      severity = Math.max(severity, forecast[r] - p.high);
    }
  }
  return { overloaded: hot.length > 0, underloaded, hot, severity };
}
