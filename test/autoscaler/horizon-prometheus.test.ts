// Issue 12, bursty load: the Prometheus source's one horizon range query, on a real
// Prometheus scraping the exporter over sim://mixed-workload (real clock), gives every VM its
// CPU demand over the planning horizon at the horizon's step — here a 20-s horizon, so 1-s
// steps — and it agrees with the VM's short history (the same use + wait, on a coarser grid).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validateConfig } from '../../autoscaler/config/load';
import { sourceFromConfig } from '../../autoscaler/service/run';
import type { RunningPrometheus } from '../../core/procs/prometheus';
import { pollUntil } from '../helpers/poll';
import { startSimPrometheus, type SimPrometheus } from '../helpers/sim-prometheus';

describe('VMs’ horizon history through a real Prometheus', () => {
  let rig: SimPrometheus;
  let dir = '';
  let prom: RunningPrometheus;

  beforeAll(async () => {
    rig = await startSimPrometheus('sim://mixed-workload', 'vmpilot-horizon-');
    ({ dir, prom } = rig);
  }, 60_000);
  afterAll(async () => {
    await rig?.stop();
  }, 60_000);

  it('every VM gets horizonCpu at the horizon step, close to its short history', async () => {
    const cfg = validateConfig(
      {
        hypervisors: ['sim://mixed-workload'],
        prometheus: {
          url: prom.url,
          scrapeIntervalSeconds: 1,
          historyPoints: 3,
          timeoutSeconds: 5,
          rateWindow: '4s',
        },
        planner: { k: 2, n: 3, migration: { horizonSeconds: 20 } },
      },
      'horizon.yaml',
      dir,
    );
    const source = sourceFromConfig(cfg);
    const obs = await pollUntil(
      async () => {
        const o = await source.observe(Date.now());
        const running = o.snapshot.vms.filter((v) => v.state === 'running');
        const full = running.every((v) => (v.horizonCpu?.cores.length ?? 0) >= 8);
        return running.length > 0 && full && o;
      },
      { what: 'a snapshot whose VMs have 8 horizon points', timeoutMs: 60_000, intervalMs: 500 },
    );
    for (const vm of obs.snapshot.vms.filter((v) => v.state === 'running')) {
      const h = vm.horizonCpu!;
      expect(h.stepSeconds).toBe(1);
      expect(h.cores.length).toBeLessThanOrEqual(20);
      for (const c of h.cores) expect(c).toBeGreaterThanOrEqual(0);
      // The newest point and the short history's newest are both rates over 4 s ending now:
      // use + wait against use + wait.
      const last = vm.usageHistory[vm.usageHistory.length - 1].cpu + (vm.cpuWaitCores ?? 0);
      expect(h.cores[h.cores.length - 1]).toBeCloseTo(last, 1);
    }
    // Busy VMs show it (the check has teeth: not all zeros).
    expect(
      Math.max(...obs.snapshot.vms.map((v) => Math.max(0, ...(v.horizonCpu?.cores ?? [])))),
    ).toBeGreaterThan(0.2);
  }, 90_000);
});
