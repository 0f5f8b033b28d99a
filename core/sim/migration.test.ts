import { loadScenario } from './loader';
import { MIGRATION_CALIBRATION, predictTable1, preCopy } from './migration';
import { SimCluster } from './model';
import { parseScenario } from './loader';

const MiB = 1024 * 1024;

describe('pre-copy model (SPEC §7)', () => {
  it('follows V_i = V_{i-1}·D/B until below the stop threshold', () => {
    const r = preCopy({
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 50,
      bandwidthBytesPerSecond: 100,
      stopBytes: 100,
      maxRounds: 30,
    });
    expect(r.rounds).toEqual([1000, 500, 250, 125, 62.5]);
    expect(r.migrationSeconds).toBeCloseTo(19.375);
    expect(r.downtimeSeconds).toBeCloseTo(0.625);
    expect(r.transferredBytes).toBeCloseTo(1937.5);
  });

  it('stops after max rounds when it does not converge, each round bounded by memory', () => {
    const r = preCopy({
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 200,
      bandwidthBytesPerSecond: 100,
      stopBytes: 10,
      maxRounds: 3,
    });
    expect(r.rounds).toEqual([1000, 1000, 1000, 1000]);
    expect(r.downtimeSeconds).toBe(10);
  });

  it('bounds a round by the writable working set', () => {
    const r = preCopy({
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 90,
      bandwidthBytesPerSecond: 100,
      stopBytes: 10,
      maxRounds: 4,
      wwsBytes: 200,
    });
    expect(r.rounds).toEqual([1000, 200, 180, 162, 145.8]);
  });

  // Calibration: migration time within ±10 %, downtime within ±10 % of seed 004 Table 1.
  it.each(Object.keys(MIGRATION_CALIBRATION) as (keyof typeof MIGRATION_CALIBRATION)[])(
    'reproduces seed 004 Table 1 for %s within 10 %',
    (name) => {
      const { measured } = MIGRATION_CALIBRATION[name];
      const r = predictTable1(name);
      expect(
        Math.abs(r.migrationSeconds - measured.migrationSeconds) / measured.migrationSeconds,
      ).toBeLessThanOrEqual(0.1);
      expect(
        Math.abs(r.downtimeSeconds * 1000 - measured.downtimeMs) / measured.downtimeMs,
      ).toBeLessThanOrEqual(0.1);
    },
  );

  it('orders workloads as Table 1 does: IOZONE slowest, SPEC-CPU fastest and shortest downtime', () => {
    const t = (n: keyof typeof MIGRATION_CALIBRATION) => predictTable1(n);
    const names = Object.keys(MIGRATION_CALIBRATION) as (keyof typeof MIGRATION_CALIBRATION)[];
    const byTime = [...names].sort((a, b) => t(a).migrationSeconds - t(b).migrationSeconds);
    expect(byTime[0]).toBe('SPEC-CPU');
    expect(byTime[byTime.length - 1]).toBe('IOZONE');
    const byDown = [...names].sort((a, b) => t(a).downtimeSeconds - t(b).downtimeSeconds);
    expect(byDown[0]).toBe('SPEC-CPU');
  });
});

describe('migration in the model', () => {
  const scenario = parseScenario(
    {
      name: 'mig',
      durationSeconds: 600,
      stepSeconds: 1,
      hosts: [
        { name: 'a', cpus: 4, memory: '4GiB', netBandwidth: '1GiB' },
        { name: 'b', cpus: 4, memory: '4GiB', netBandwidth: '1GiB' },
      ],
      vms: [
        {
          name: 'db',
          host: 'a',
          workload: 'memory-dirty',
          vcpus: 2,
          memory: '1GiB',
          demand: { cpu: 1, memory: '512MiB', dirtyRate: '20MiB' },
        },
      ],
    },
    'inline',
  );

  it('runs the same rounds as the pure model, stepwise, and lands the VM on the target', () => {
    const m = new SimCluster(scenario, { startMs: 0 });
    m.startMigration(m.vm('db'), 'b');
    m.advanceTo(300_000);
    const expected = preCopy({
      memoryBytes: 1024 * MiB,
      dirtyRateBytesPerSecond: 20 * MiB,
      bandwidthBytesPerSecond: scenario.migration.bandwidthBytesPerSecond,
      stopBytes: scenario.migration.stopBytes,
      maxRounds: scenario.migration.maxRounds,
    });
    const rec = m.migrations[0];
    expect(rec.result).toBe('completed');
    expect(rec.durationSeconds).toBeCloseTo(expected.migrationSeconds, 6);
    expect(rec.downtimeSeconds).toBeCloseTo(expected.downtimeSeconds, 6);
    expect(rec.rounds).toBe(expected.rounds.length);
    expect(m.vm('db').host).toBe('b');
    // Downtime shows as lost CPU time and paused seconds.
    expect(m.vm('db').counters.downtimeSeconds).toBeCloseTo(expected.downtimeSeconds, 6);
  });

  it('costs CPU on both ends and reserves memory on the destination while it runs', () => {
    const m = new SimCluster(scenario, { startMs: 0 });
    const freeBefore = m.freeMemory('b');
    m.startMigration(m.vm('db'), 'b');
    m.advanceTo(5000);
    expect(m.freeMemory('b')).toBe(freeBefore - 1024 * MiB);
    expect(m.host('a').last.usedCores).toBeGreaterThan(1.29);
    expect(m.host('b').last.usedCores).toBeCloseTo(0.15);
  });

  it('refuses a destination without memory, in maintenance, or the same host', () => {
    const s = loadScenario('sim://evacuation');
    const m = new SimCluster(s, { startMs: 0 });
    expect(() => m.startMigration(m.vm('web-1'), 'host-4')).toThrow(/maintenance/);
    expect(() => m.startMigration(m.vm('web-1'), 'host-1')).toThrow(/already runs/);
  });
});
