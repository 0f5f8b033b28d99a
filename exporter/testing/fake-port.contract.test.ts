// The scrape tests' scriptable FakePort, unscripted, is held to the HypervisorPort
// contract: what it answers besides its scripts is what a real adapter answers.
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';
import { FakePort } from './fake-port';

describeHypervisorContract('scriptable FakePort of the scrape tests (test double)', async () => {
  const info = (name: string) => ({ name, uri: `fake://${name}`, cpus: 4, mhz: 1000, memoryBytes: 8e9 });
  const port = new FakePort({ a: { info: info('a'), vms: [] }, b: { info: info('b'), vms: [] } });
  port.addVm('a', 'web1');
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
