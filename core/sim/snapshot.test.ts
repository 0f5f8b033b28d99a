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
