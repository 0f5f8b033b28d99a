import type { ClusterSnapshot, ResourceVector, VmSnapshot } from '../../core/model/snapshot';
import { defaultPlannerConfig } from './config';
import { backlogFactor, buildRoundView, pointsOf, unservedDisk, vmDemand } from './points';

const vec = (cpu: number, mem: number, disk: number, net: number): ResourceVector => ({
  cpu,
  mem,
  disk,
  net,
});
const cfg = defaultPlannerConfig({ forecast: { method: 'ewma', alpha: 1 } });

function vm(name: string, usage: ResourceVector, extra: Partial<VmSnapshot> = {}): VmSnapshot {
  return {
    name,
    host: 'h1',
    state: 'running',
    vcpus: 2,
    memoryBytes: 1000,
    workload: 'cpu',
    usageHistory: [usage],
    allocation: {},
    ...extra,
  };
}

describe('pointsOf', () => {
  it('is 100·demand/capacity per resource and the weighted sum', () => {
    const { points, total } = pointsOf(vec(2, 250, 10, 0), vec(8, 1000, 100, 50), cfg.weights);
    expect(points).toEqual({ cpu: 25, mem: 25, disk: 10, net: 0 });
    expect(total).toBeCloseTo(0.4 * 25 + 0.3 * 25 + 0.15 * 10);
  });
  it('gives 0 points on a resource the host does not have', () => {
    expect(pointsOf(vec(1, 0, 5, 0), vec(2, 0, 0, 0), cfg.weights).points.disk).toBe(0);
  });
});

describe('backlog', () => {
  it('raises a starved web VM by requests/throughput, capped', () => {
    expect(backlogFactor({ requestsPerSecond: 30, throughputPerSecond: 20 }, 4)).toBeCloseTo(1.5);
    expect(backlogFactor({ requestsPerSecond: 30, throughputPerSecond: 1 }, 4)).toBe(4);
    expect(backlogFactor({ requestsPerSecond: 10, throughputPerSecond: 12 }, 4)).toBe(1);
    expect(backlogFactor(undefined, 4)).toBe(1);
  });
  it('applies to the CPU demand of web VMs only', () => {
    const web = { requestsPerSecond: 40, throughputPerSecond: 20 };
    expect(vmDemand(vm('w', vec(1, 10, 0, 0), { workload: 'web', web }), cfg).demand.cpu).toBeCloseTo(2);
    expect(vmDemand(vm('c', vec(1, 10, 0, 0)), cfg).demand.cpu).toBeCloseTo(1);
  });
});

describe('buildRoundView', () => {
  it('indexes VMs by host and adds unserved web demand to the host load', () => {
    const snapshot: ClusterSnapshot = {
      at: 0,
      intervalSeconds: 10,
      hosts: [
        {
          name: 'h1',
          cpus: 4,
          capacity: vec(4, 1000, 100, 100),
          usageHistory: [vec(2, 500, 0, 0)],
          up: true,
          ageSeconds: 0,
        },
        { name: 'h2', cpus: 4, capacity: vec(4, 1000, 100, 100), usageHistory: [], up: true, ageSeconds: 0 },
      ],
      vms: [
        vm('a', vec(1, 200, 0, 0), {
          workload: 'web',
          web: { requestsPerSecond: 30, throughputPerSecond: 10 },
        }),
        vm('b', vec(1, 300, 0, 0)),
        vm('c', vec(0.5, 100, 0, 0), { host: 'h2' }),
      ],
    };
    const view = buildRoundView(snapshot, cfg);
    expect(view.vmsByHost.get('h1')?.map((v) => v.vm.name)).toEqual(['a', 'b']);
    // host usage 2 cores + web VM a's unserved 3−1 = 2 cores → 4/4.
    expect(view.hosts.get('h1')?.load.cpu).toBeCloseTo(1);
    expect(view.hosts.get('h1')?.load.mem).toBeCloseTo(0.5);
    // h2 has no history: the sum of its VMs.
    expect(view.hosts.get('h2')?.load.cpu).toBeCloseTo(0.125);
    expect(view.vms.get('a')?.points.cpu).toBeCloseTo(75);
  });
});

describe('run-queue wait (vcpu delay)', () => {
  const host = (name: string) => ({
    name,
    cpus: 4,
    capacity: vec(4, 1000, 100, 100),
    usageHistory: [vec(3, 500, 0, 0)],
    up: true,
    ageSeconds: 0,
  });

  it('is unserved CPU: raises the host load, not the VM demand or points', () => {
    const waiting = vm('a', vec(1.5, 200, 0, 0), { cpuWaitCores: 1 });
    expect(vmDemand(waiting, cfg)).toEqual({
      demand: vec(1.5, 200, 0, 0),
      observedCpu: 1.5,
      unservedCpu: 1,
      unservedDisk: 0,
    });
    const snapshot: ClusterSnapshot = {
      at: 0,
      intervalSeconds: 10,
      hosts: [host('h1')],
      vms: [waiting, vm('b', vec(1.5, 300, 0, 0))],
    };
    const view = buildRoundView(snapshot, cfg);
    // 3 cores used + 1 core waited for → 4/4.
    expect(view.hosts.get('h1')?.load.cpu).toBeCloseTo(1);
    // The VM's share of points is what it used: wait does not buy it shares.
    expect(view.vms.get('a')?.points.cpu).toBeCloseTo(37.5);
    const without = buildRoundView(
      { ...snapshot, vms: [vm('a', vec(1.5, 200, 0, 0)), snapshot.vms[1]] },
      cfg,
    );
    expect(without.hosts.get('h1')?.load.cpu).toBeCloseTo(0.75);
  });

  it('and the web backlog count once: the larger of the two', () => {
    const web = { requestsPerSecond: 40, throughputPerSecond: 20 };
    // Backlog doubles 1 core → 1 unserved; a wait of 0.4 adds nothing more.
    expect(
      vmDemand(vm('w', vec(1, 10, 0, 0), { workload: 'web', web, cpuWaitCores: 0.4 }), cfg).unservedCpu,
    ).toBeCloseTo(1);
    // A wait of 1.6 is more than the backlog says.
    expect(
      vmDemand(vm('w', vec(1, 10, 0, 0), { workload: 'web', web, cpuWaitCores: 1.6 }), cfg).unservedCpu,
    ).toBeCloseTo(1.6);
    // Absent or negative wait: nothing.
    expect(vmDemand(vm('c', vec(1, 10, 0, 0), { cpuWaitCores: -2 }), cfg).unservedCpu).toBe(0);
  });
});

describe('block I/O time (rd/wr/fl.times) on a saturated disk', () => {
  // A 100 B/s disk, observed at 100 %: two VMs got 50 B/s each.
  const host = (diskObserved: number) => ({
    name: 'h1',
    cpus: 4,
    capacity: vec(4, 1000, 100, 100),
    usageHistory: [vec(1, 500, diskObserved, 0)],
    up: true,
    ageSeconds: 0,
  });
  // Its requests took 0.8 s per second: 0.8 in flight, each served in b/100 s → it asked 80 B/s.
  const queued = vm('a', vec(0.5, 200, 50, 0), { diskTimeSecondsPerSecond: 0.8 });
  const other = vm('b', vec(0.5, 300, 50, 0), { diskTimeSecondsPerSecond: 0.5 });

  it('is time × disk rate − throughput: what the VM asked and did not get', () => {
    expect(unservedDisk(queued, 50, 100)).toBeCloseTo(30);
    // Service time only (time × rate = throughput): nothing unserved.
    expect(unservedDisk(other, 50, 100)).toBeCloseTo(0);
    // Absent, zero or negative time, or a disk of unknown rate: nothing.
    expect(unservedDisk(vm('c', vec(0, 0, 50, 0)), 50, 100)).toBe(0);
    expect(unservedDisk(vm('c', vec(0, 0, 50, 0), { diskTimeSecondsPerSecond: -1 }), 50, 100)).toBe(0);
    expect(unservedDisk(queued, 50, 0)).toBe(0);
    expect(vmDemand(queued, cfg, 100).unservedDisk).toBeCloseTo(30);
  });

  it("raises the host's disk load, not the VM's demand or points", () => {
    const snapshot: ClusterSnapshot = {
      at: 0,
      intervalSeconds: 10,
      hosts: [host(100)],
      vms: [queued, other],
    };
    const view = buildRoundView(snapshot, cfg);
    // 100 B/s served + 30 B/s queued on a 100 B/s disk.
    expect(view.hosts.get('h1')?.load.disk).toBeCloseTo(1.3);
    expect(view.vms.get('a')?.demand.disk).toBeCloseTo(50);
    expect(view.vms.get('a')?.points.disk).toBeCloseTo(50);
    const untimed = buildRoundView({ ...snapshot, vms: [vm('a', vec(0.5, 200, 50, 0)), other] }, cfg);
    expect(untimed.hosts.get('h1')?.load.disk).toBeCloseTo(1);
  });

  it('counts only while the disk is observed saturated (≥ high): elsewhere time is the device’s own latency', () => {
    const light = { ...queued, usageHistory: [vec(0.5, 200, 20, 0)] };
    const view = buildRoundView({ at: 0, intervalSeconds: 10, hosts: [host(20)], vms: [light] }, cfg);
    expect(view.hosts.get('h1')?.load.disk).toBeCloseTo(0.2);
  });
});
