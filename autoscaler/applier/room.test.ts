import type { HostInfo, VmInfo } from '../../core/hypervisor/port';
import { freeMemoryBytes } from './room';

const GiB = 2 ** 30;
const host = (extra: Partial<HostInfo> = {}): HostInfo => ({
  name: 'h',
  uri: 'test:///default',
  cpus: 4,
  mhz: 0,
  memoryBytes: 8 * GiB,
  ...extra,
});
const vm = (name: string, state: VmInfo['state'], memoryBytes: number): VmInfo => ({
  name,
  uuid: name,
  state,
  vcpus: 1,
  memoryBytes,
  maxMemoryBytes: memoryBytes,
});

describe('freeMemoryBytes', () => {
  it("prefers the hypervisor's own free-memory figure", () => {
    expect(freeMemoryBytes(host({ memoryFreeBytes: 3 * GiB }), [vm('a', 'running', 6 * GiB)])).toBe(3 * GiB);
  });
  it('else subtracts what running, blocked and paused VMs hold; shut-off VMs hold nothing', () => {
    const vms = [
      vm('a', 'running', 2 * GiB),
      vm('b', 'paused', 1 * GiB),
      vm('c', 'blocked', 1 * GiB),
      vm('d', 'shutoff', 4 * GiB),
    ];
    expect(freeMemoryBytes(host(), vms)).toBe(4 * GiB);
  });
});
