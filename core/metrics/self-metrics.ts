// The metrics every vmpilot binary publishes about itself, named as every other Prometheus
// target names them so generic dashboards find them: prom-client's default `process_*` and
// `nodejs_*` metrics, unprefixed, and `vmpilot_build_info` (value 1, version labels, as Go
// binaries' `*_build_info`). prom-client names three gauges `nodejs_active_*_total`, which
// `promtool check metrics` rejects (a `_total` suffix is for counters): they are left out.
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import { vmpilotVersion } from '../cli/version';

export function registerSelfMetrics(registry: Registry, binary: 'exporter' | 'autoscaler'): void {
  collectDefaultMetrics({ register: registry });
  for (const m of registry.getMetricsAsArray()) {
    // prom-client's metric objects keep name and type as plain fields.
    const { name, type } = m as unknown as { name: string; type: string };
    if (name.endsWith('_total') && type !== 'counter') registry.removeSingleMetric(name);
  }
  const info = new Gauge({
    name: 'vmpilot_build_info',
    help: 'A metric with a constant 1 labelled by the version of vmpilot and of Node.js that run this binary.',
    labelNames: ['version', 'nodejs', 'binary'] as const,
    registers: [registry],
  });
  info.set({ version: vmpilotVersion(), nodejs: process.version, binary }, 1);
}
