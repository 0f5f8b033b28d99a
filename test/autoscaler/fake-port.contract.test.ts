// The in-memory FakePort the applier, service and reconciliation tests use is held to the
// HypervisorPort contract, so those tests exercise the behaviour a real adapter has.
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';
import { FakePort } from './fake-port';

describeHypervisorContract('in-memory FakePort (test double)', async () => {
  const port = new FakePort()
    .addHost('a')
    .addHost('b')
    .addVm('a', 'web1')
    .addVm('a', 'web2', { state: 'paused' });
  return {
    port,
    host: 'a',
    vm: { host: 'a', name: 'web1' },
    unsupported: new Set(['save', 'restore'] as const),
    answersAsynchronously: false,
    migrationTarget: { host: 'b', uri: 'fake://b' },
    teardown: async () => undefined,
  };
});
