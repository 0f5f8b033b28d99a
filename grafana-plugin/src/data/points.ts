// VM points (vmpilot_vm_points{host,domain,resource}) from Prometheus data frames: the
// latest value per VM and resource, one row per VM, sorted by total points (pure).
import type { DataFrame } from '@grafana/data';
import { RESOURCES, type Resource } from '../types';
import { hostFilter, lastSample, numberFields } from './frames';

export interface VmPointsRow {
  vm: string;
  host: string;
  points: Record<Resource, number>;
  /** The weighted total the planner computed, or the sum of the resources when absent. */
  total: number;
}

export function pointsFromFrames(frames: DataFrame[], hosts = ''): VmPointsRow[] {
  const keep = hostFilter(hosts);
  const rows = new Map<string, VmPointsRow & { weighted?: number; timeMs: number }>();
  for (const frame of frames) {
    for (const field of numberFields(frame)) {
      const labels = field.labels ?? {};
      const vm = labels.domain;
      const host = labels.host;
      const resource = labels.resource;
      const last = lastSample(frame, field);
      if (!vm || !host || !resource || last === undefined || !keep(host)) {
        continue;
      }
      const key = `${host}/${vm}`;
      let row = rows.get(key);
      if (!row) {
        row = { vm, host, points: { cpu: 0, mem: 0, disk: 0, net: 0 }, total: 0, timeMs: last.timeMs };
        rows.set(key, row);
      }
      row.timeMs = Math.max(row.timeMs, last.timeMs);
      if (resource === 'total') {
        row.weighted = last.value;
      } else if ((RESOURCES as readonly string[]).includes(resource)) {
        row.points[resource as Resource] = last.value;
      }
    }
  }
  // A VM that migrated within the range has series on both hosts (the old one ends at the
  // move): the host with the newest sample is where it is now.
  const current = new Map<string, VmPointsRow & { weighted?: number; timeMs: number }>();
  for (const row of rows.values()) {
    const seen = current.get(row.vm);
    if (!seen || row.timeMs > seen.timeMs) {
      current.set(row.vm, row);
    }
  }
  const out: VmPointsRow[] = [...current.values()].map(({ weighted, timeMs: _t, ...r }) => ({
    ...r,
    total: weighted ?? RESOURCES.reduce((s, res) => s + r.points[res], 0),
  }));
  return out.sort((a, b) => b.total - a.total || a.vm.localeCompare(b.vm));
}
