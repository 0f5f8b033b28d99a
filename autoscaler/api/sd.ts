// Service discovery for Prometheus (item 1 of issue 15): the per-host exporters of
// `prometheus.exporters`, as http_sd (`GET /api/v1/sd`) and file_sd (`vmpilot sd`) read
// them — the two formats are the same JSON list of target groups. One group per host, so
// each carries `__meta_vmpilot_host` (the autoscaler's name for the host), which a
// relabel_config may copy into a target label; meta labels are dropped after relabelling.
// The `instance` label Prometheus derives from the address is what the autoscaler maps back
// to the host (sources/instance-map.ts), so the address must not be rewritten.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** The target groups of `prometheus.exporters` (none without it), sorted by host. */
export function sdTargetGroups(exporters: Readonly<Record<string, string>> | undefined): TargetGroup[] {
  return Object.entries(exporters ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([host, address]) => ({ targets: [address], labels: { __meta_vmpilot_host: host } }));
}

/**
 * Writes a file_sd file atomically (a temp file beside it, then rename): Prometheus watches
 * the file and must never read half of it.
 */
export function writeFileSd(file: string, groups: readonly TargetGroup[]): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(tmp, file);
}
