import { parseScenario } from './loader';
import { SimCluster } from './model';
import { SimDriver } from './driver';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function scenario(vms: object[], hostMemory = '4GiB') {
  return parseScenario(
    {
      name: 'model',
      durationSeconds: 600,
      hosts: [{ name: 'h', cpus: 2, memory: hostMemory, reservedMemory: '1GiB' }],
      vms,
    },
    'inline',
  );
}
const cpuVm = (name: string, cpu: number, shares = 1024) => ({
  name,
  host: 'h',
  workload: 'cpu',
  vcpus: 2,
  memory: '1GiB',
  shares,
  demand: { cpu, memory: '256MiB' },
});

describe('SimCluster physics', () => {
  it('divides a contended host by shares, and CPU-time counters grow at the allocated rate', () => {
    const m = new SimCluster(scenario([cpuVm('a', 2, 2048), cpuVm('b', 2, 1024)]), { startMs: 0 });
    m.advanceTo(60_000);
    expect(m.vm('a').counters.cpuSeconds).toBeCloseTo((2 * 2 * 60) / 3, 6);
    expect(m.vm('b').counters.cpuSeconds).toBeCloseTo((2 * 60) / 3, 6);
    expect(m.host('h').cpuSeconds.idle).toBeCloseTo(0, 6);
    // A cap of half a core per vCPU (1 core) on "a" hands the rest to "b" (work-conserving).
    m.setCap(m.vm('a'), { periodUs: 100000, quotaUs: 50000 });
    m.advanceTo(120_000);
    expect(m.vm('a').last.cpuUsedCores).toBeCloseTo(1);
    expect(m.vm('b').last.cpuUsedCores).toBeCloseTo(1);
  });

  it('a vCPU that wanted a core and was not given it accrues run-queue delay (libvirt vcpu.N.delay)', () => {
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    // 2 + 2 cores wanted on a 2-core host: each VM gets 1 core and waits for the other.
    const m = new SimCluster(scenario([cpuVm('a', 2), cpuVm('b', 2)]), { startMs: 0 });
    m.advanceTo(60_000);
    const a = m.vm('a').counters;
    expect(sum(a.vcpuSeconds)).toBeCloseTo(60, 6);
    expect(sum(a.vcpuDelaySeconds)).toBeCloseTo(60, 6);
    // Usage plus delay is what the vCPUs wanted, whatever the contention.
    expect(sum(a.vcpuSeconds) + sum(a.vcpuDelaySeconds)).toBeCloseTo(2 * 60, 6);
    // A cap is a wait too: capped at 0.5 core while alone, "b" waits for 1.5 cores.
    const alone = new SimCluster(scenario([cpuVm('b', 2)]), { startMs: 0 });
    alone.setCap(alone.vm('b'), { periodUs: 100000, quotaUs: 25000 });
    alone.advanceTo(10_000);
    expect(sum(alone.vm('b').counters.vcpuDelaySeconds)).toBeCloseTo(1.5 * 10, 6);
    // Uncontended and uncapped: no wait.
    const idle = new SimCluster(scenario([cpuVm('c', 1)]), { startMs: 0 });
    idle.advanceTo(10_000);
    expect(sum(idle.vm('c').counters.vcpuDelaySeconds)).toBe(0);
  });

  it('a VM not fitting its balloon swaps: it needs more CPU for the same work', () => {
    const m = new SimCluster(scenario([cpuVm('a', 0.5)]), { startMs: 0 });
    m.advanceTo(10_000);
    expect(m.vm('a').last.cpuDemandCores).toBeCloseTo(0.5);
    m.setMemory(m.vm('a'), 128 * MiB); // working set 256 MiB: half of it swapped
    m.advanceTo(20_000);
    expect(m.vm('a').last.cpuDemandCores).toBeCloseTo(0.5 * (1 + 3 * 0.5));
  });

  it('an overcommitted host makes every guest pay for the excess', () => {
    const vms = ['a', 'b'].map((n) => ({ ...cpuVm(n, 0.2), demand: { cpu: 0.2, memory: '1GiB' } }));
    const m = new SimCluster(scenario(vms, '2GiB'), { startMs: 0 }); // 1 GiB for guests, 2 GiB wanted
    m.advanceTo(10_000);
    expect(m.freeMemory('h')).toBe(-1 * GiB);
    expect(m.vm('a').last.cpuDemandCores).toBeCloseTo(0.2 * (1 + 3 * 0.5));
  });

  it('validates controls like the hypervisor would; pinning limits parallelism', () => {
    const m = new SimCluster(scenario([cpuVm('a', 2)]), { startMs: 0 });
    const a = m.vm('a');
    expect(() => m.setShares(a, 1)).toThrow(/2\.\.262144/);
    expect(() => m.setMemory(a, 2 * GiB)).toThrow(/memory must be/);
    expect(() => m.setVcpus(a, 3)).toThrow(/1\.\.2/);
    expect(() => m.pin(a, 0, [5])).toThrow(/CPU 5 does not exist/);
    expect(() => m.vm('nope')).toThrow(/no VM "nope"/);
    m.pin(a, 0, [0]);
    m.pin(a, 1, [0]);
    m.advanceTo(10_000);
    // Both vCPUs pinned to one CPU: one core, though it wants two.
    expect(m.vm('a').last.cpuUsedCores).toBeCloseTo(1);
  });

  it('is deterministic and time-driven: two drivers fed the same times agree exactly', () => {
    const s = scenario([
      {
        name: 'w',
        host: 'h',
        workload: 'web',
        vcpus: 2,
        memory: '1GiB',
        demand: { requests: { kind: 'random-walk', start: 80, stepStddev: 20 } },
      },
    ]);
    const a = new SimDriver(s, { startMs: 0 });
    const b = new SimDriver(s, { startMs: 0 });
    for (const t of [1500, 7300, 60_000, 61_000, 300_000]) {
      a.advanceTo(t);
      b.advanceTo(t);
    }
    expect(a.model.vm('w').counters).toEqual(b.model.vm('w').counters);
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(a.snapshot().hosts[0].usageHistory).toHaveLength(10);
  });
});
