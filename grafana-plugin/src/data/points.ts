// VM points (vmpilot_vm_points{host,domain,resource}) from Prometheus data frames: the
// latest value per VM and resource, one row per VM, sorted by total points (pure).
import type { DataFrame } from '@grafana/data';
import { RESOURCES, type Resource } from '../types';
import { hostFilter, lastNumber, numberFields } from './frames';

export interface VmPointsRow {
  vm: string;
  host: string;
  points: Record<Resource, number>;
  /** The weighted total the planner computed, or the sum of the resources when absent. */
  total: number;
}

export function pointsFromFrames(frames: DataFrame[], hosts = ''): VmPointsRow[] {
  const keep = hostFilter(hosts);
  const rows = new Map<string, VmPointsRow & { weighted?: number }>();
  for (const frame of frames) {
    for (const field of numberFields(frame)) {
      const labels = field.labels ?? {};
      const vm = labels.domain;
      const host = labels.host;
      const resource = labels.resource;
      const value = lastNumber(field);
      if (!vm || !host || !resource || value === undefined || !keep(host)) {
        continue;
      }
      const key = `${host}/${vm}`;
      let row = rows.get(key);
      if (!row) {
        row = { vm, host, points: { cpu: 0, mem: 0, disk: 0, net: 0 }, total: 0 };
        rows.set(key, row);
      }
      if (resource === 'total') {
        row.weighted = value;
      } else if ((RESOURCES as readonly string[]).includes(resource)) {
        row.points[resource as Resource] = value;
      }
    }
  }
  const out: VmPointsRow[] = [...rows.values()].map(({ weighted, ...r }) => ({
    ...r,
    total: weighted ?? RESOURCES.reduce((s, res) => s + r.points[res], 0),
  }));
  return out.sort((a, b) => b.total - a.total || a.vm.localeCompare(b.vm));
}
