// Issue 13 item 1 on libvirt's test driver: a VM's priority travels with its domain as
// vmpilot's <metadata> element, and the libvirt port reads it (virDomainGetMetadata) into
// VmInfo.priority; a domain without it, or with a malformed one, has none. The same host
// passes the port's contract suite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';
import { openLibvirt } from '../../core/libvirt/adapter';
import { priorityMetadataXml, vmMetadataXml } from '../../core/model/vm-metadata';

const domain = (name: string, n: number, metadata: string) => `
  <domain type='test'>
    <name>${name}</name>
    <uuid>4d0f0a51-1313-4a00-8000-00000000c00${n}</uuid>
    <memory unit='MiB'>1024</memory>
    <vcpu>2</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    ${metadata ? `<metadata>${metadata}</metadata>` : ''}
    <devices>
      <disk type='file' device='disk'><source file='/tmp/${name}.img'/><target dev='vda' bus='virtio'/></disk>
      <interface type='network'><mac address='52:54:00:0c:00:0${n}'/><source network='default'/></interface>
    </devices>
  </domain>`;

const HOST_XML = `<?xml version='1.0'?>
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads><active>4</active><mhz>2000</mhz><model>x86_64</model></cpu>
  <memory>8388608</memory>
  ${domain('crit', 1, priorityMetadataXml({ class: 'critical' }))}
  ${domain('batch', 2, priorityMetadataXml({ class: 'low', weight: 0.5 }))}
  ${domain('plain', 3, '')}
  ${domain('odd', 4, '<vmpilot:priority xmlns:vmpilot="https://vmpilot.dev/xmlns/priority/1" class="urgent"/>')}
  ${domain('kept', 5, vmMetadataXml({ exclude: true }))}
  ${domain('pinned', 6, vmMetadataXml({ priority: { class: 'high' }, pinnedHosts: ['kvm-a', 'kvm-b'] }))}
  ${domain('spaced', 7, '<vp:priority xmlns:vp="https://vmpilot.dev/xmlns/priority/1" exclude="false" hosts="kvm-c kvm-d"/>')}
  ${domain('badpin', 8, '<vmpilot:priority xmlns:vmpilot="https://vmpilot.dev/xmlns/priority/1" class="low" hosts="kvm a!"/>')}
</node>
`;

let dir: string;
function hostFile(): string {
  dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-priority-'));
  const file = path.join(dir, 'prio.xml');
  writeFileSync(file, HOST_XML);
  return file;
}
const file = hostFile();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VM priority from libvirt <metadata>', () => {
  it('reads class and weight from the domain, none without the element or with a malformed one', async () => {
    const port = await openLibvirt(`test://${file}`, { hostName: 'prio' });
    try {
      const byName = new Map((await port.listVms('prio')).map((v) => [v.name, v]));
      expect(byName.get('crit')?.priority).toEqual({ class: 'critical' });
      expect(byName.get('batch')?.priority).toEqual({ class: 'low', weight: 0.5 });
      expect(byName.get('plain')?.priority).toBeUndefined();
      expect(byName.get('odd')?.priority).toBeUndefined();
      expect((await port.getVm({ host: 'prio', name: 'batch' })).priority).toEqual({
        class: 'low',
        weight: 0.5,
      });
    } finally {
      await port.close();
    }
  });
});

describe('VM exclusion and pin set from the same <metadata> element (issue 14)', () => {
  it('reads exclude and hosts beside (or without) a priority; a malformed element gives nothing', async () => {
    const port = await openLibvirt(`test://${file}`, { hostName: 'prio' });
    try {
      const byName = new Map((await port.listVms('prio')).map((v) => [v.name, v]));
      expect(byName.get('kept')).toMatchObject({ exclude: true });
      expect(byName.get('kept')?.priority).toBeUndefined();
      expect(byName.get('pinned')).toMatchObject({
        priority: { class: 'high' },
        pinnedHosts: ['kvm-a', 'kvm-b'],
      });
      expect(byName.get('pinned')?.exclude).toBeUndefined();
      expect(byName.get('spaced')).toMatchObject({ exclude: false, pinnedHosts: ['kvm-c', 'kvm-d'] });
      const bad = byName.get('badpin');
      expect([bad?.priority, bad?.exclude, bad?.pinnedHosts]).toEqual([undefined, undefined, undefined]);
      expect(byName.get('plain')).not.toHaveProperty('exclude');
      expect((await port.getVm({ host: 'prio', name: 'kept' })).exclude).toBe(true);
    } finally {
      await port.close();
    }
  });
});

describeHypervisorContract('libvirt test driver host with priority metadata', async () => {
  const port = await openLibvirt(`test://${file}`, { hostName: 'prio' });
  return {
    port,
    host: 'prio',
    vm: { host: 'prio', name: 'batch' },
    unsupported: new Set([
      'getCpuTune',
      'setCpuShares',
      'setCpuCap',
      'migrate',
      'getJobProgress',
      'abortJob',
    ] as const),
    netDevice: '52:54:00:0c:00:02',
    blockDevice: 'vda',
    teardown: async () => undefined,
  };
});
