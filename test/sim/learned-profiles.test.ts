// Issue 13 item 5 in the simulator, through the production path (AutoscalerService, the
// profile store and the applier): on web-priority-shortage with learnProfiles on, probes run
// one at a time, each ends with exactly one rollback or restore that puts back the cap it
// read before, nothing else changes a probed VM's cap meanwhile, and the shortage decisions
// at the coincident peak rest on the learned profiles (the run with no profile says "model").
import { loadConfig } from '../../autoscaler/config/load';
import { runSimulation } from '../../autoscaler/simulate/runner';
import { loadScenario } from '../../core/sim/loader';
import type { TuningEvent } from '../../core/model/event';

const rule = (e: TuningEvent) => (typeof e.reason === 'object' ? e.reason.rule : '');
const text = (e: TuningEvent) => (typeof e.reason === 'object' ? e.reason.text : e.reason);

describe('web-priority-shortage: learned profiles with probing', () => {
  const scenario = loadScenario('web-priority-shortage');

  it('probes one VM at a time, restores every cap, and the shortage steps use the learned profiles', async () => {
    const learned = await runSimulation(scenario, 'gl', {
      config: loadConfig('autoscaler/examples/web-shortage-learned.yaml'),
    });
    const events = learned.events.filter((e) => e.result === 'completed');
    const probeSteps = events.filter((e) => rule(e).startsWith('profile.probe'));
    const starts = probeSteps.filter((e) => rule(e) === 'profile.probe');
    expect(starts.length).toBeGreaterThanOrEqual(5);
    // Alternating start / end (one host: one probe at a time), same VM, cap put back.
    for (let i = 0; i < probeSteps.length; i += 2) {
      const [start, end] = [probeSteps[i], probeSteps[i + 1]];
      expect(rule(start)).toBe('profile.probe');
      expect(end).toBeDefined();
      expect(['profile.probe.rollback', 'profile.probe.restore']).toContain(rule(end));
      expect(end.vm).toBe(start.vm);
      expect(end.params).toEqual(start.before);
      // Nothing else set this VM's cap while the probe held it.
      const t0 = Date.parse(start.time);
      const t1 = Date.parse(end.time);
      const others = events.filter(
        (e) =>
          e.vm === start.vm &&
          e.action === 'set_cpu_cap' &&
          e !== start &&
          e !== end &&
          Date.parse(e.time) >= t0 &&
          Date.parse(e.time) <= t1,
      );
      expect(others).toEqual([]);
    }
    // Every web VM was probed, and the peak's shortage steps rest on learned profiles.
    expect(new Set(starts.map((e) => e.vm)).size).toBe(scenario.vms.length);
    const shortage = events.filter((e) => rule(e) === 'shortage.floor');
    expect(shortage.length).toBeGreaterThan(0);
    for (const e of shortage) expect(text(e)).toMatch(/needs by learned profile: /);

    const none = await runSimulation(scenario, 'gl', {
      config: loadConfig('autoscaler/examples/web-shortage-none.yaml'),
    });
    expect(none.events.some((e) => rule(e).startsWith('profile.probe'))).toBe(false);
    const noneShortage = none.events.filter((e) => rule(e) === 'shortage.floor');
    expect(noneShortage.length).toBeGreaterThan(0);
    for (const e of noneShortage) expect(text(e)).toMatch(/needs by model: /);
  }, 120_000);
});
