// Issue 13 item 1 in the simulator: a scenario VM's `priority` is its domain metadata —
// the port reports it in VmInfo and the snapshot carries it to the planner.
import { openSim } from './adapter';

describe('simulated VM priorities', () => {
  it('the shipped priority-shortage scenario reports each VM its class and weight', async () => {
    const port = await openSim('sim://priority-shortage', { clock: () => 0 });
    try {
      const vms = new Map((await port.listVms('host-1')).map((v) => [v.name, v]));
      expect(vms.get('crit-1')?.priority).toEqual({ class: 'critical' });
      expect(vms.get('batch-1b')?.priority).toEqual({ class: 'low', weight: 0.5 });
      expect((await port.getVm({ host: 'host-1', name: 'high-1' })).priority).toEqual({
        class: 'high',
        weight: 2,
      });
      const snap = await port.snapshot();
      expect(snap.vms.find((v) => v.name === 'norm-2')?.priority).toEqual({ class: 'normal' });
    } finally {
      await port.close();
    }
  });
});
