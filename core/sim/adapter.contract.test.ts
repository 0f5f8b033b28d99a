// The HypervisorPort contract suite on the simulated cluster: every method is supported
// (nothing is `unsupported` on sim). The port's clock runs 200× faster than real time so a
// live migration (tens of model seconds of pre-copy) finishes in well under a second.
import { describeHypervisorContract } from '../hypervisor/testing/contract';
import { openSim } from './adapter';

describeHypervisorContract('sim://seed-experiment', async () => {
  const t0 = Date.now();
  const clock = () => t0 + (Date.now() - t0) * 200;
  const port = await openSim('sim://seed-experiment', { clock });
  return {
    port,
    host: 'fast-1',
    vm: { host: 'fast-1', name: 'web-01' },
    unsupported: new Set(),
    answersAsynchronously: false,
    migrationTarget: { host: 'fast-2', uri: 'sim://seed-experiment' },
    teardown: async () => undefined,
  };
});
