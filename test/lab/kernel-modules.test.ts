// Kernel module dependencies read from .modinfo strings, and the dependency-first load order.
import { loadOrder, moduleDepends } from '../../lab/kernel-modules';

describe('moduleDepends', () => {
  it('reads depends= from a module image', () => {
    const ko = Buffer.from(
      '\0\x7fELF...\0license=GPL\0depends=virtio_ring,virtio_pci_modern_dev,virtio\0intree=Y\0',
    );
    expect(moduleDepends(ko)).toEqual(['virtio_ring', 'virtio_pci_modern_dev', 'virtio']);
  });

  it('gives no dependencies for an empty depends= or none at all', () => {
    expect(moduleDepends('\0depends=\0name=failover\0')).toEqual([]);
    expect(moduleDepends('\0name=failover\0')).toEqual([]);
  });
});

describe('loadOrder', () => {
  const deps: Record<string, string[]> = {
    virtio_ring: [],
    virtio: ['virtio_ring'],
    virtio_pci_modern_dev: [],
    virtio_pci_legacy_dev: [],
    virtio_pci: ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
    virtio_balloon: ['virtio', 'virtio_ring'],
    failover: [],
    net_failover: ['failover'],
    virtio_net: ['net_failover', 'virtio', 'virtio_ring'],
  };
  const of = (n: string) => {
    const d = deps[n];
    if (!d) throw new Error(`unknown ${n}`);
    return d;
  };

  it('puts every module after its dependencies, each once', () => {
    const order = loadOrder(['virtio_pci', 'virtio_balloon', 'virtio_net'], of);
    expect(order).toEqual([
      'virtio_ring',
      'virtio_pci_modern_dev',
      'virtio_pci_legacy_dev',
      'virtio',
      'virtio_pci',
      'virtio_balloon',
      'failover',
      'net_failover',
      'virtio_net',
    ]);
  });

  it('fails on an unknown module and on a cycle', () => {
    expect(() => loadOrder(['nope'], of)).toThrow('unknown nope');
    expect(() => loadOrder(['a'], (n) => (n === 'a' ? ['b'] : ['a']))).toThrow('cycle: a → b → a');
  });
});
