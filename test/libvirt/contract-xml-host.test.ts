// The port contract against a shipped multi-domain test-driver host (rack-a.xml: six
// domains, one shut off), plus what only a multi-domain host can show.
import path from 'node:path';
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';
import { openLibvirt } from '../../core/libvirt/adapter';
import { pooledConnectionCount } from '../../core/libvirt/connection';

const RACK_A = path.resolve(__dirname, '../fixtures/hosts/rack-a.xml');

describeHypervisorContract('libvirt test driver host rack-a.xml', async () => {
  const port = await openLibvirt(`test://${RACK_A}`);
  return {
    port,
    host: 'rack-a',
    vm: { host: 'rack-a', name: 'web-a2' },
    unsupported: new Set([
      'getCpuTune',
      'setCpuShares',
      'setCpuCap',
      'migrate',
      'getJobProgress',
      'abortJob',
    ] as const),
    netDevice: '52:54:00:0a:00:02',
    blockDevice: 'vda',
    teardown: async () => undefined,
  };
});

describe('libvirt test driver host rack-a.xml', () => {
  it('lists all six domains with their XML sizes and states, and the node facts', async () => {
    const port = await openLibvirt(`test://${RACK_A}`);
    try {
      const [host] = await port.listHosts();
      expect(host).toMatchObject({ name: 'rack-a', cpus: 16, mhz: 2400, memoryBytes: 64 * 2 ** 30 });
      const vms = await port.listVms('rack-a');
      expect(vms.map((v) => v.name).sort()).toEqual([
        'batch-a1',
        'cache-a1',
        'db-a1',
        'idle-a1',
        'web-a1',
        'web-a2',
      ]);
      expect(vms.find((v) => v.name === 'db-a1')).toMatchObject({
        uuid: '4d0f0a51-0003-4a00-8000-00000000a003',
        state: 'running',
        vcpus: 4,
        memoryBytes: 12 * 2 ** 30,
        maxMemoryBytes: 16 * 2 ** 30,
      });
      expect(vms.find((v) => v.name === 'idle-a1')?.state).toBe('shutoff');
      const stats = await port.getStats('rack-a');
      expect(stats.vms).toHaveLength(6);
      expect(stats.vms.find((v) => v.name === 'idle-a1')?.state).toBe('shutoff');
    } finally {
      await port.close();
    }
  });

  it('close waits for the calls still running, then releases the pooled connection', async () => {
    const port = await openLibvirt(`test://${RACK_A}`);
    const running = port.getStats('rack-a');
    const closing = port.close();
    const stats = await running;
    await closing;
    expect(stats.vms).toHaveLength(6);
    expect(pooledConnectionCount()).toBe(0);
    await expect(port.listVms('rack-a')).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('names the host by NAME= when given', async () => {
    const port = await openLibvirt(`test://${RACK_A}`, { hostName: 'rack-a-renamed' });
    try {
      expect((await port.listHosts()).map((h) => h.name)).toEqual(['rack-a-renamed']);
      expect((await port.getVm({ host: 'rack-a-renamed', name: 'web-a1' })).state).toBe('running');
    } finally {
      await port.close();
    }
  });
});
