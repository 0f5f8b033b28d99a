// The service-level and priority gauges (issue 13 items 1, 5) on a simulated cluster's
// snapshot: s(x) per VM from its measured response time, 0 for a suspended VM, σ the
// weighted product, the priority class and weight from the domain metadata (or config).
import { Registry } from 'prom-client';
import { openSim } from '../../core/sim/adapter';
import { defaultPlannerConfig } from '../decision/config';
import { LevelMetrics } from './level-metrics';

/** s(x) for a lower-is-better x, written out (SPEC §6), a = 10, w = 0.5. */
const s = (x: number, b: number) => 0.5 + (0.5 * 10 * (b - x)) / Math.sqrt(1 + (10 * (b - x)) ** 2);

async function values(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values ?? [];
}

it('exports each VM level, 0 while suspended, σ as their product, and priorities', async () => {
  let now = 0;
  const port = await openSim('sim://priority-shortage', { clock: () => now });
  try {
    now = 120_000;
    await port.suspend({ host: 'host-2', name: 'norm-2' });
    now = 180_000;
    const snap = await port.snapshot();
    const registry = new Registry();
    const cfg = defaultPlannerConfig({ priorities: [{ vm: 'norm-1', class: 'high', weight: 3 }] });
    new LevelMetrics(registry).publish(snap, cfg);

    const levels = new Map(
      (await values(registry, 'vmpilot_vm_service_level')).map((v) => [v.labels.domain, v.value]),
    );
    const crit = snap.vms.find((v) => v.name === 'crit-1');
    expect(crit?.sli).toBeDefined();
    expect(levels.get('crit-1')).toBeCloseTo(s(crit?.sli?.value ?? NaN, 1), 9);
    expect(levels.get('norm-2')).toBe(0);
    expect(levels.has('batch-1a')).toBe(false); // no SLI
    const [sigma] = await values(registry, 'vmpilot_cluster_service_level');
    expect(sigma.value).toBe(0); // a web VM serves nothing
    expect([...levels.values()].reduce((a, b) => a * b, 1)).toBe(0);

    const prio = await values(registry, 'vmpilot_vm_priority');
    const byVm = new Map(prio.map((v) => [v.labels.domain, v]));
    expect(byVm.get('high-1')).toMatchObject({ value: 2, labels: { class: 'high', host: 'host-1' } });
    expect(byVm.get('batch-1a')).toMatchObject({ value: 1, labels: { class: 'low' } });
    expect(byVm.get('norm-1')).toMatchObject({ value: 3, labels: { class: 'high' } }); // config wins
  } finally {
    await port.close();
  }
});

it('σ is the product of the levels when every VM runs', async () => {
  let now = 0;
  const port = await openSim('sim://priority-shortage', { clock: () => now });
  try {
    now = 120_000;
    const snap = await port.snapshot();
    const registry = new Registry();
    new LevelMetrics(registry).publish(snap, defaultPlannerConfig());
    const levels = (await values(registry, 'vmpilot_vm_service_level')).map((v) => v.value);
    expect(levels).toHaveLength(6);
    const [sigma] = await values(registry, 'vmpilot_cluster_service_level');
    expect(sigma.value).toBeCloseTo(
      levels.reduce((a, b) => a * b, 1),
      9,
    );
    expect(sigma.value).toBeGreaterThan(0);
  } finally {
    await port.close();
  }
});
