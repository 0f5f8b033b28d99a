// The simulator's snapshot reports memory as the sim adapter does (and so as the production
// service and the Prometheus source see it): the host's free memory and each VM's balloon
// statistics, so the planner's fit check runs in simulations with the one footprint rule.
import { vmFootprintBytes } from '../model/footprint';
import { openSim } from './adapter';

describe('sim snapshot: memory as the port reports it', () => {
  it("carries each host's free memory and each VM's unused/RSS readings from the same rule as the adapter", async () => {
    let now = 1_700_000_000_000;
    const port = await openSim('sim://seed-experiment', { clock: () => now });
    now += 60_000;
    const snap = await port.snapshot();
    for (const h of snap.hosts) {
      const info = await port.getHostInfo(h.name);
      expect(h.memoryFreeBytes).toBe(info.memoryFreeBytes);
      const stats = await port.getStats(h.name, { groups: ['balloon'] });
      for (const s of stats.vms) {
        const vm = snap.vms.find((v) => v.name === s.name)!;
        expect(vm.memoryUnusedBytes).toBe(s.balloon!.unusedBytes);
        expect(vm.memoryRssBytes).toBe(s.balloon!.rssBytes);
        // The footprint the planner counts is what the guest holds in the model's physics.
        expect(vmFootprintBytes(vm)).toBe(port.model.residentMemory(port.model.vm(s.name)));
      }
    }
    expect(snap.hosts.every((h) => h.memoryFreeBytes !== undefined && h.memoryFreeBytes >= 0)).toBe(true);
  });
});

describe('sim snapshot: no oracle inputs (issue 12 item 2)', () => {
  it("never carries the scenario's workload label, and shows a swapping guest's memory as what it holds", async () => {
    let now = 1_700_000_000_000;
    // memory-swap: cache VMs whose working set (up to 5.5 GiB) outgrows their 4 GiB balloons.
    const port = await openSim('sim://memory-swap', { clock: () => now });
    now += 1_800_000;
    const snap = await port.snapshot();
    for (const vm of snap.vms) {
      const truth = port.model.vm(vm.name);
      // Only what production could know without configuration: request SLIs make a VM 'web'.
      expect(vm.workload).toBe(truth.web ? 'web' : 'unknown');
      // Memory demand as balloon/RSS statistics show it: never more than the balloon.
      const mem = vm.usageHistory[vm.usageHistory.length - 1].mem;
      expect(mem).toBeLessThanOrEqual(truth.balloonBytes + 1);
    }
    const cache = snap.vms.find((v) => v.name === 'cache-0')!;
    expect(port.model.vm('cache-0').last.workingSetBytes).toBeGreaterThan(
      port.model.vm('cache-0').balloonBytes,
    );
    expect(cache.usageHistory[cache.usageHistory.length - 1].mem).toBeLessThan(
      port.model.vm('cache-0').last.workingSetBytes,
    );
    await port.close();
  });
});

describe('sim snapshot: vCPU run-queue wait, as production reads vcpu.N.delay', () => {
  it('carries each VM’s wait; on a contended cluster it is there, and use + wait never exceeds its vCPUs', async () => {
    let now = 1_700_000_000_000;
    const port = await openSim('sim://seed-experiment-heavy', { clock: () => now });
    now += 600_000;
    const snap = await port.snapshot();
    const running = snap.vms.filter((v) => v.state === 'running');
    expect(running.length).toBeGreaterThan(0);
    for (const vm of running) {
      expect(vm.cpuWaitCores).toBeGreaterThanOrEqual(0);
      const use = vm.usageHistory[vm.usageHistory.length - 1].cpu;
      expect(use + vm.cpuWaitCores!).toBeLessThanOrEqual(vm.vcpus + 1e-6);
    }
    expect(running.reduce((a, v) => a + (v.cpuWaitCores ?? 0), 0)).toBeGreaterThan(0.1);
    await port.close();
  });
});

describe('sim snapshot: block I/O time, as production reads rd/wr/fl.times', () => {
  it('accrues queueing when a disk is asked for more than it has: time × disk rate is the demand, not the throughput', async () => {
    let now = 1_700_000_000_000;
    // mixed-workload: files-1 and files-2 ask host-2's one 150 MiB/s disk for ~190 MiB/s.
    const port = await openSim('sim://mixed-workload', { clock: () => now });
    now += 120_000;
    const snap = await port.snapshot();
    const rate = (host: string) => snap.hosts.find((h) => h.name === host)!.capacity.disk;
    const served = (name: string) => {
      const vm = snap.vms.find((v) => v.name === name)!;
      return vm.usageHistory[vm.usageHistory.length - 1].disk;
    };
    const wanted = (name: string) =>
      snap.vms.find((v) => v.name === name)!.diskTimeSecondsPerSecond! * rate('host-2');
    for (const name of ['files-1', 'files-2']) {
      // What the scenario asks for now (the oracle, read here only to check the reading).
      const asked = port.model.demandAt(port.model.vm(name), 120).disk;
      expect(wanted(name) / asked).toBeCloseTo(1, 1);
      expect(wanted(name)).toBeGreaterThan(served(name) * 1.1);
    }
    const hostServed = served('files-1') + served('files-2') + served('web-3');
    expect(hostServed).toBeLessThanOrEqual(rate('host-2') * 1.001);
    expect(wanted('files-1') + wanted('files-2')).toBeGreaterThan(rate('host-2') * 1.15);
    // Where the disk is not contended the time is service time only: time × rate = throughput.
    for (const vm of snap.vms.filter((v) => v.host !== 'host-2' && v.state === 'running')) {
      const use = vm.usageHistory[vm.usageHistory.length - 1].disk;
      expect(vm.diskTimeSecondsPerSecond).toBeDefined();
      expect(vm.diskTimeSecondsPerSecond! * rate(vm.host)).toBeCloseTo(use, 0);
    }
    await port.close();
  });
});
