// Every collector, by name (node_exporter-style registry: `--collector.<name>` flags and the
// `collector` label come from this list).
import { appCollector } from './app';
import { blockCollector } from './block';
import { cpuCollector } from './cpu';
import { dirtyRateCollector } from './dirtyrate';
import { domainCollector } from './domain';
import { hostCollector } from './host';
import { memoryCollector } from './memory';
import { networkCollector } from './network';
import { perfCollector } from './perf';
import type { Collector } from './types';
import { vcpuCollector } from './vcpu';

export const COLLECTORS: readonly Collector[] = [
  domainCollector,
  cpuCollector,
  vcpuCollector,
  memoryCollector,
  blockCollector,
  networkCollector,
  perfCollector,
  dirtyRateCollector,
  hostCollector,
  appCollector,
];

export const COLLECTOR_NAMES: readonly string[] = COLLECTORS.map((c) => c.name);

/** The collectors named in `names` (default: those enabled by default); unknown names throw. */
export function selectCollectors(names?: readonly string[]): Collector[] {
  if (!names) return COLLECTORS.filter((c) => c.defaultEnabled);
  const unknown = names.filter((n) => !COLLECTOR_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown collector(s) ${unknown.join(', ')} (known: ${COLLECTOR_NAMES.join(', ')})`);
  }
  return COLLECTORS.filter((c) => names.includes(c.name));
}
