import path from 'node:path';
import { SimDriver } from '../../core/sim/driver';
import { loadScenario } from '../../core/sim/loader';
import { MemorySource } from './memory';
import { simulatorSource } from './sim-source';

const SCENARIO = path.join(__dirname, '..', '..', 'test', 'e2e', 'fixtures', 'hotspot.yaml');

describe('simulator-fed in-memory source', () => {
  it('observes the overloaded host of the hotspot scenario with fresh data', async () => {
    const start = 1_700_000_000_000;
    const driver = new SimDriver(loadScenario(SCENARIO), { startMs: start });
    const source = simulatorSource(driver);
    const obs = await source.observe(start + 60_000);
    expect(obs.held).toEqual([]);
    const small = obs.snapshot.hosts.find((h) => h.name === 'small')!;
    const big = obs.snapshot.hosts.find((h) => h.name === 'big')!;
    const last = (h: typeof small) => h.usageHistory[h.usageHistory.length - 1];
    expect(last(small).cpu / small.capacity.cpu).toBeGreaterThan(0.85);
    expect(last(big).cpu / big.capacity.cpu).toBeLessThan(0.4);
    expect(
      obs.snapshot.vms
        .filter((v) => v.host === 'small')
        .map((v) => v.name)
        .sort(),
    ).toEqual(['web-1', 'web-2', 'web-3']);
  });

  it('holds every host when the simulated data is older than 2 observation intervals', async () => {
    const start = 1_700_000_000_000;
    const driver = new SimDriver(loadScenario(SCENARIO), { startMs: start });
    const source = simulatorSource(driver);
    await source.observe(start + 60_000);
    // Snapshot taken from a model that is not advanced (a frozen feed): ages grow.
    const frozen = new MemorySource(() => {
      const s = driver.snapshot();
      return { ...s, hosts: s.hosts.map((h) => ({ ...h, ageSeconds: 3 * s.intervalSeconds })) };
    });
    const obs = await frozen.observe(start + 120_000);
    expect(obs.held.map((h) => h.host).sort()).toEqual(['big', 'small']);
    expect(obs.held[0].reason).toMatch(/^stale/);
  });

  it('lets data 3 intervals old through when staleIntervals is 4', async () => {
    const start = 1_700_000_000_000;
    const driver = new SimDriver(loadScenario(SCENARIO), { startMs: start });
    await simulatorSource(driver).observe(start + 60_000);
    const aged = () => {
      const s = driver.snapshot();
      return { ...s, hosts: s.hosts.map((h) => ({ ...h, ageSeconds: 3 * s.intervalSeconds })) };
    };
    expect((await new MemorySource(aged).observe(start + 120_000)).held).toHaveLength(2);
    expect((await new MemorySource(aged, { staleIntervals: 4 }).observe(start + 120_000)).held).toEqual([]);
    const fresh = await simulatorSource(driver, { staleIntervals: 4 }).observe(start + 120_000);
    expect(fresh.held).toEqual([]);
  });
});
