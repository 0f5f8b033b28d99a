// Which kernel modules the guest loads, and in what order. The host has no modinfo or
// depmod: a module's dependencies are read from the `depends=` string of its .modinfo
// section, and the load order is a dependency-first walk from the modules the guest needs.

/** The virtio drivers Debian's kernel ships as modules that the lab guest uses. */
export const GUEST_MODULES = ['virtio_pci', 'virtio_balloon', 'virtio_console', 'virtio_net'] as const;

/** Where those modules (and their dependencies) live in the kernel package's tree. */
export const MODULE_GLOBS = [
  './lib/modules/*/kernel/drivers/virtio/*.ko',
  './lib/modules/*/kernel/drivers/char/virtio_console.ko',
  './lib/modules/*/kernel/drivers/net/virtio_net.ko',
  './lib/modules/*/kernel/drivers/net/net_failover.ko',
  './lib/modules/*/kernel/net/core/failover.ko',
];

/** The module names in `depends=` of a .ko file's contents (empty when it has none). */
export function moduleDepends(ko: Buffer | string): string[] {
  const text = typeof ko === 'string' ? ko : ko.toString('latin1');
  const m = /(?:^|\0)depends=([A-Za-z0-9_,-]*)/.exec(text);
  if (!m) return [];
  return m[1]
    .split(',')
    .filter((d) => d.length > 0)
    .map((d) => d.replace(/-/g, '_'));
}

/**
 * Load order for `wanted` and everything they depend on, dependencies first.
 * `depends(name)` gives a module's direct dependencies; it throws for an unknown module.
 */
export function loadOrder(wanted: readonly string[], depends: (name: string) => readonly string[]): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (order.includes(name)) return;
    if (visiting.has(name))
      throw new Error(`kernel module dependency cycle: ${[...chain, name].join(' → ')}`);
    visiting.add(name);
    for (const d of depends(name)) visit(d, [...chain, name]);
    visiting.delete(name);
    order.push(name);
  };
  for (const w of wanted) visit(w, []);
  return order;
}
