import { residentMemoryBytes, vmFootprintBytes } from './footprint';
import type { VmSnapshot } from './snapshot';

const GiB = 1024 ** 3;

describe('residentMemoryBytes (the one footprint rule)', () => {
  it('is balloon − unused when the guest reports its unused memory', () => {
    expect(residentMemoryBytes({ balloonBytes: 4 * GiB, unusedBytes: 3 * GiB, rssBytes: 4 * GiB })).toBe(GiB);
    // An unused figure above the balloon (a racing read) never gives a negative footprint.
    expect(residentMemoryBytes({ balloonBytes: GiB, unusedBytes: 2 * GiB })).toBe(0);
  });

  it('falls back to the host RSS, then to the balloon', () => {
    expect(residentMemoryBytes({ balloonBytes: 4 * GiB, rssBytes: 1.5 * GiB })).toBe(1.5 * GiB);
    expect(residentMemoryBytes({ balloonBytes: 4 * GiB })).toBe(4 * GiB);
  });

  it('reads a snapshot VM: its balloon, else its configured memory, with its readings', () => {
    const vm: VmSnapshot = {
      name: 'v',
      host: 'a',
      state: 'running',
      vcpus: 1,
      memoryBytes: 8 * GiB,
      workload: 'web',
      usageHistory: [],
      allocation: { balloonBytes: 4 * GiB },
    };
    expect(vmFootprintBytes(vm)).toBe(4 * GiB);
    expect(vmFootprintBytes({ ...vm, allocation: {} })).toBe(8 * GiB);
    expect(vmFootprintBytes({ ...vm, memoryRssBytes: 2 * GiB })).toBe(2 * GiB);
    expect(vmFootprintBytes({ ...vm, memoryUnusedBytes: 3 * GiB, memoryRssBytes: 2 * GiB })).toBe(GiB);
  });
});
