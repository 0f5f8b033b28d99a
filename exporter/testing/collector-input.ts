// Collector test input: one host "h" with one running VM "a" (uuid "ua") carrying the
// given stats, rendered as Prometheus text.
import type { VmStats } from '../../core/hypervisor/port';
import type { Collector, CollectorInput } from '../collectors/types';
import { renderFamilies } from '../metrics';

export function oneVmInput(stats: Omit<VmStats, 'name' | 'uuid' | 'state'>): CollectorInput {
  return {
    host: 'h',
    stats: { host: 'h', collectedAtMs: 0, vms: [{ name: 'a', uuid: 'ua', state: 'running', ...stats }] },
  };
}

/** The collector's output for one VM with `stats`, as /metrics text. */
export function renderOneVm(collector: Collector, stats: Omit<VmStats, 'name' | 'uuid' | 'state'>): string {
  return renderFamilies(collector.collect(oneVmInput(stats)));
}
