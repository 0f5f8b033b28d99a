// The port contract through the reconnecting wrapper the autoscaler opens its hypervisors
// with (connectHypervisors with `reconnect`: a MultiHypervisor of ReconnectingPorts,
// core/hypervisor/reconnecting.ts) over libvirt's test:///default, and through one
// ReconnectingPort alone: the wrapper must not change what any call does while connected.
import { connectHypervisors } from '../../core/hypervisor/connect';
import { ReconnectingPort } from '../../core/hypervisor/reconnecting';
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';

const UNSUPPORTED = new Set([
  'getCpuTune',
  'setCpuShares',
  'setCpuCap',
  'migrate',
  'getJobProgress',
  'abortJob',
] as const);

const fixture = (port: Awaited<ReturnType<typeof connectHypervisors>>) => ({
  port,
  host: 'default',
  vm: { host: 'default', name: 'test' },
  unsupported: UNSUPPORTED,
  netDevice: 'testnet0',
  blockDevice: 'vda',
  teardown: async () => undefined,
});

describeHypervisorContract('reconnecting multi-host port over libvirt test:///default', async () =>
  fixture(await connectHypervisors(['test:///default'], { reconnect: {} })),
);

describeHypervisorContract('one ReconnectingPort over libvirt test:///default', async () => {
  const port = new ReconnectingPort('test:///default');
  await port.open();
  return fixture(port);
});
