// The simulator's migration job against the one pre-copy model (core/model/precopy.ts,
// whose own tests hold the Table 1 calibration).
import { MiB, preCopy } from '../model/precopy';
import { loadScenario, parseScenario } from './loader';
import { SimCluster } from './model';

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
      ...scenario.migration,
      memoryBytes: 1024 * MiB,
      dirtyRateBytesPerSecond: 20 * MiB,
    });
    const rec = m.migrations[0];
    expect(rec.result).toBe('completed');
    expect(rec.durationSeconds).toBeCloseTo(expected.migrationSeconds, 6);
    expect(rec.downtimeSeconds).toBeCloseTo(expected.downtimeSeconds, 6);
    expect(rec.rounds).toBe(expected.rounds);
    expect(m.vm('db').host).toBe('b');
    // Downtime shows as lost CPU time and paused seconds.
    expect(m.vm('db').counters.downtimeSeconds).toBeCloseTo(expected.downtimeSeconds, 6);
  });

  it("slows the stream by the guest's own outbound traffic, as the model does", () => {
    const chatty = parseScenario(
      {
        ...scenario,
        name: 'chatty',
        vms: [
          {
            name: 'db',
            host: 'a',
            workload: 'mixed',
            vcpus: 2,
            memory: '1GiB',
            demand: { cpu: 1, memory: '512MiB', dirtyRate: '5MiB', netTx: '15MiB' },
          },
        ],
      },
      'inline',
    );
    const m = new SimCluster(chatty, { startMs: 0 });
    m.advanceTo(1000);
    m.startMigration(m.vm('db'), 'b');
    m.advanceTo(300_000);
    // One step run: the guest has touched its 512 MiB working set, what round 0 copies.
    const expected = preCopy({
      ...chatty.migration,
      memoryBytes: 1024 * MiB,
      touchedBytes: 512 * MiB,
      dirtyRateBytesPerSecond: 5 * MiB,
      competingBytesPerSecond: 15 * MiB,
    });
    const rec = m.migrations[0];
    expect(rec.result).toBe('completed');
    expect(rec.rounds).toBe(expected.rounds);
    // Identical until stop-and-copy; then the paused guest stops sending, so the last
    // round may run faster than the model's constant-traffic estimate.
    expect(rec.durationSeconds).toBeGreaterThan(expected.migrationSeconds - expected.downtimeSeconds);
    expect(rec.durationSeconds).toBeLessThanOrEqual(expected.migrationSeconds + 1e-6);
    const quiet = preCopy({
      ...chatty.migration,
      memoryBytes: 1024 * MiB,
      touchedBytes: 512 * MiB,
      dirtyRateBytesPerSecond: 5 * MiB,
    });
    expect(rec.durationSeconds).toBeGreaterThan(1.5 * quiet.migrationSeconds);
  });

  it("costs CPU on both ends and reserves the guest's resident memory on the destination while it runs", () => {
    const m = new SimCluster(scenario, { startMs: 0 });
    const freeBefore = m.freeMemory('b');
    m.startMigration(m.vm('db'), 'b');
    m.advanceTo(5000);
    const resident = m.residentMemory(m.vm('db'));
    expect(resident).toBeGreaterThan(0);
    expect(resident).toBeLessThanOrEqual(1024 * MiB);
    expect(m.freeMemory('b')).toBe(freeBefore - resident);
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
