// How a libvirt connection's host is named inside vmpilot (pure).
//
// An explicit `NAME=URI` wins. Otherwise: test:///default → "default"; a test-driver XML
// file → its base name without ".xml"; a URI with a server part (qemu+ssh://kvm3/system)
// → that server's name; a local URI (qemu:///system) → null, meaning "ask libvirt"
// (virConnectGetHostname).
export function hostNameFromUri(uri: string, explicit?: string): string | null {
  if (explicit) return explicit;
  const m = /^([a-z0-9+]+):\/\/([^/?#]*)(\/[^?#]*)?/i.exec(uri);
  if (!m) return null;
  const [, scheme, authority, path = ''] = m;
  if (authority) {
    const host = authority
      .replace(/^[^@]*@/, '')
      .replace(/:\d+$/, '')
      .replace(/^\[(.*)\]$/, '$1');
    if (host) return host;
  }
  if (scheme.split('+')[0] === 'test') {
    if (path === '/default' || path === '' || path === '/') return 'default';
    const base = path.split('/').pop() ?? '';
    return base.replace(/\.xml$/i, '') || 'default';
  }
  return null;
}
