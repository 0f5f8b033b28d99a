// No false alarms: every shipped simulator scenario, observed through the simulator source
// step by step, passes the plausibility gate (overloaded, near-capacity and swapping hosts
// are real load, not impossible numbers). Guards the margins in plausibility.ts.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { SimDriver } from '../../core/sim/driver';
import { loadScenario } from '../../core/sim/loader';
import { PlausibilityGate } from './plausibility';
import { simulatorSource } from './sim-source';

const SCENARIOS = path.join(__dirname, '..', '..', 'core', 'sim', 'scenarios');
const names = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length));

describe('plausibility gate on the shipped simulator scenarios', () => {
  it('finds scenarios to check', () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
  });

  it.each(names)('%s: no host held as implausible at any observation', async (name) => {
    const scenario = loadScenario(name);
    const start = 1_700_000_000_000;
    const driver = new SimDriver(scenario, { startMs: start });
    const source = simulatorSource(driver);
    const gate = new PlausibilityGate();
    const step = 15_000;
    const implausible: string[] = [];
    for (let t = start + step; t <= start + scenario.durationSeconds * 1000; t += step) {
      const obs = gate.check(await source.observe(t));
      for (const h of obs.held) if (h.code === 'implausible_metrics') implausible.push(`${t}: ${h.reason}`);
    }
    expect(implausible).toEqual([]);
  });
});
