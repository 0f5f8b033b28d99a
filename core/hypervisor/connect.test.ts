// connect.ts: URI parsing, and the MultiHypervisor that routes by host name, exercised on
// two real libvirt test-driver hosts (the shipped XML files).
import path from 'node:path';
import { connectHypervisors, MultiHypervisor, parseHypervisorUri } from './connect';
import { pooledConnectionCount } from '../libvirt/connection';
import { HypervisorError, isHypervisorError } from './errors';

const HOSTS = path.resolve(__dirname, '../../test/fixtures/hosts');
const RACK_A = `test://${HOSTS}/rack-a.xml`;
const RACK_B = `test://${HOSTS}/rack-b.xml`;

describe('parseHypervisorUri', () => {
  it.each([
    ['test:///default', { kind: 'libvirt', uri: 'test:///default' }],
    ['qemu:///system', { kind: 'libvirt', uri: 'qemu:///system' }],
    ['qemu+ssh://root@kvm1/system', { kind: 'libvirt', uri: 'qemu+ssh://root@kvm1/system' }],
    ['qemu+tls://kvm2/system', { kind: 'libvirt', uri: 'qemu+tls://kvm2/system' }],
    ['qemu+tcp://10.0.0.1/system', { kind: 'libvirt', uri: 'qemu+tcp://10.0.0.1/system' }],
    ['kvm3=qemu+ssh://kvm3/system', { kind: 'libvirt', uri: 'qemu+ssh://kvm3/system', name: 'kvm3' }],
    ['sim://seed-experiment', { kind: 'sim', uri: 'sim://seed-experiment' }],
  ])('%s', (spec, parsed) => {
    expect(parseHypervisorUri(spec)).toEqual(expect.objectContaining(parsed));
  });

  it.each(['foo://x', 'http://kvm1/', 'sim://', 'bad name=test:///default', ''])(
    'rejects %j as invalid',
    (spec) => {
      let err: unknown;
      try {
        parseHypervisorUri(spec);
      } catch (e) {
        err = e;
      }
      expect(isHypervisorError(err, 'invalid')).toBe(true);
    },
  );
});

describe('connectHypervisors over two libvirt test-driver hosts', () => {
  it('routes each call to the port that owns the host', async () => {
    const port = await connectHypervisors([RACK_A, RACK_B]);
    try {
      expect(port).toBeInstanceOf(MultiHypervisor);
      expect((await port.listHosts()).map((h) => h.name)).toEqual(['rack-a', 'rack-b']);
      expect((await port.listVms('rack-b')).map((v) => v.name).sort()).toEqual([
        'queue-b1',
        'web-b1',
        'web-b2',
      ]);
      expect((await port.getVm({ host: 'rack-a', name: 'db-a1' })).vcpus).toBe(4);
      await port.suspend({ host: 'rack-b', name: 'web-b1' });
      expect((await port.getVm({ host: 'rack-b', name: 'web-b1' })).state).toBe('paused');
      const stats = await port.getStats('rack-a', { groups: ['state'] });
      expect(stats.vms).toHaveLength(6);
      await expect(port.getVm({ host: 'rack-a', name: 'web-b1' })).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(port.listVms('rack-c')).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await port.close();
    }
  });

  it('refuses two URIs that yield the same host name unless renamed', async () => {
    const port = await connectHypervisors([RACK_A, RACK_A]);
    try {
      await expect(port.listHosts()).rejects.toBeInstanceOf(HypervisorError);
      await expect(port.listHosts()).rejects.toMatchObject({ code: 'invalid' });
    } finally {
      await port.close();
    }
    const renamed = await connectHypervisors([`one=${RACK_A}`, `two=${RACK_A}`]);
    try {
      expect((await renamed.listHosts()).map((h) => h.name)).toEqual(['one', 'two']);
    } finally {
      await renamed.close();
    }
  });

  it('opens nothing when one URI fails', async () => {
    await expect(connectHypervisors([RACK_A, 'test:///nonexistent/host.xml'])).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(connectHypervisors([])).rejects.toMatchObject({ code: 'invalid' });
    // every connection opened along the way was closed again
    expect(pooledConnectionCount()).toBe(0);
  });
});
