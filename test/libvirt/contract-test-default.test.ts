// The port contract against libvirt's built-in test driver host (test:///default: one
// running domain "test"). The operations the test driver lacks must fail `unsupported`.
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';
import { openLibvirt } from '../../core/libvirt/adapter';

describeHypervisorContract('libvirt test:///default', async () => {
  const port = await openLibvirt('test:///default');
  return {
    port,
    host: 'default',
    vm: { host: 'default', name: 'test' },
    unsupported: new Set([
      'getCpuTune',
      'setCpuShares',
      'setCpuCap',
      'migrate',
      'getJobProgress',
      'abortJob',
    ] as const),
    netDevice: 'testnet0',
    blockDevice: 'vda',
    teardown: async () => undefined,
  };
});
