// Issue 12 item 3: the physics that decide the comparisons — a VM's dirty rate grows with
// its load (web VMs included), concurrent migrations share the NICs, and a migrating
// guest's slowdown follows from its dirty rate over the copy stream.
import { MiB } from '../model/precopy';
import { migrationSlowdown } from '../model/migration-overhead';
import { parseScenario } from './loader';
import { SimCluster } from './model';

const hosts = [
  { name: 'a', cpus: 8, memory: '16GiB', netBandwidth: '100MiB' },
  { name: 'b', cpus: 8, memory: '16GiB', netBandwidth: '100MiB' },
];
const web = (name: string, rps: number) => ({
  name,
  host: 'a',
  workload: 'web' as const,
  vcpus: 2,
  memory: '1GiB',
  demand: { requests: rps },
});

function cluster(vms: object[], migration = {}) {
  return new SimCluster(
    parseScenario({ name: 'phys', durationSeconds: 600, hosts, vms, migration }, 'inline'),
    { startMs: 0 },
  );
}

describe('sim physics (issue 12 item 3)', () => {
  it("a web VM's dirty rate grows with its load", () => {
    const m = cluster([web('quiet', 5), web('busy', 80)]);
    m.advanceTo(10_000);
    const quiet = m.dirtyRate(m.vm('quiet'));
    const busy = m.dirtyRate(m.vm('busy'));
    expect(quiet).toBeGreaterThan(0);
    expect(busy).toBeGreaterThan(4 * quiet);
  });

  it('two migrations leaving one host share its NIC: each takes longer than one alone', () => {
    const vm = (name: string) => ({
      name,
      host: 'a',
      workload: 'cpu' as const,
      vcpus: 1,
      memory: '2GiB',
      demand: { cpu: 0.5, memory: '1GiB', dirtyRate: '1MiB' },
    });
    // Link-bound migrations: the engine would go faster than the 100 MiB/s NIC.
    const engine = { bandwidthBytesPerSecond: '1GiB' };
    const alone = cluster([vm('x')], engine);
    alone.startMigration(alone.vm('x'), 'b');
    alone.advanceTo(600_000);
    const both = cluster([vm('x'), vm('y')], engine);
    both.startMigration(both.vm('x'), 'b');
    both.startMigration(both.vm('y'), 'b');
    both.advanceTo(600_000);
    const t1 = alone.migrations[0].durationSeconds;
    for (const r of both.migrations) {
      expect(r.result).toBe('completed');
      expect(r.durationSeconds).toBeGreaterThan(1.8 * t1);
    }
  });

  it("a migrating guest's slowdown follows from its dirty rate: a dirtier guest needs more CPU for the same requests", () => {
    const vm = (name: string, dirty: string) => ({
      name,
      host: name === 'clean' ? 'a' : 'b',
      workload: 'web' as const,
      vcpus: 2,
      memory: '1GiB',
      web: { requestCpuSeconds: 0.02 },
      demand: { requests: 40, dirtyRate: dirty },
    });
    expect(migrationSlowdown(30 * MiB, 40 * MiB)).toBeGreaterThan(migrationSlowdown(1 * MiB, 40 * MiB));
    const m = cluster([vm('clean', '1MiB'), vm('dirty', '30MiB')]);
    m.advanceTo(10_000);
    const before = { clean: m.vm('clean').last.cpuUsedCores, dirty: m.vm('dirty').last.cpuUsedCores };
    m.startMigration(m.vm('clean'), 'b');
    m.startMigration(m.vm('dirty'), 'a');
    m.advanceTo(15_000);
    // Same requests, so the CPU used per request rises by the tracking slowdown.
    const clean = m.vm('clean').last.cpuUsedCores / before.clean;
    const dirty = m.vm('dirty').last.cpuUsedCores / before.dirty;
    expect(clean).toBeGreaterThan(1);
    expect(dirty).toBeGreaterThan(clean * 1.2);
  });
});
