// Opening ONE hypervisor URI: parsing `[NAME=]URI` and loading the adapter that serves it.
// Apart from connect.ts (which aggregates many) so the reconnecting wrapper
// (reconnecting.ts) and connect.ts both use it without an import cycle.
import { HypervisorError } from './errors';
import type { LibvirtPortOptions } from '../libvirt/adapter';
import type { SimPortOptions } from '../sim/adapter';
import type { HypervisorPort } from './port';
import type { PortOptions } from './port-options';

/**
 * Options of `connectHypervisors`. One call may open both kinds of port, so it takes the
 * common options and each adapter's own; each adapter receives only its own ones.
 */
export type ConnectOptions = Omit<PortOptions, 'hostName'> &
  Pick<SimPortOptions, 'speed'> &
  Pick<LibvirtPortOptions, 'dedicatedConnection' | 'readOnly'>;

export interface ParsedUri {
  kind: 'libvirt' | 'sim' | 'remote';
  uri: string;
  /** Host name chosen with `NAME=URI`, if any. */
  name?: string;
}

const LIBVIRT_SCHEMES = /^(test|qemu|qemu\+(tcp|ssh|tls|unix|ext|libssh|libssh2)|xen|lxc)(\+[a-z0-9]+)?:\/\//;

export function parseHypervisorUri(spec: string): ParsedUri {
  let name: string | undefined;
  let uri = spec.trim();
  const eq = uri.indexOf('=');
  const colon = uri.indexOf(':');
  if (eq > 0 && (colon < 0 || eq < colon)) {
    name = uri.slice(0, eq);
    uri = uri.slice(eq + 1);
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new HypervisorError('invalid', `invalid host name "${name}" in "${spec}"`);
    }
  }
  if (uri.startsWith('sim://')) {
    if (uri.length === 'sim://'.length)
      throw new HypervisorError('invalid', `"${spec}": sim:// needs a scenario name or file`);
    return { kind: 'sim', uri, name };
  }
  if (uri.startsWith('sim+http://')) {
    if (name !== undefined)
      throw new HypervisorError('invalid', `"${spec}": a sim+http:// cluster keeps its own host names`);
    if (!/^sim\+http:\/\/[^/\s]+\/?$/.test(uri))
      throw new HypervisorError('invalid', `"${spec}": expected sim+http://HOST:PORT`);
    return { kind: 'remote', uri };
  }
  if (LIBVIRT_SCHEMES.test(uri)) return { kind: 'libvirt', uri, name };
  throw new HypervisorError(
    'invalid',
    `unknown hypervisor URI "${spec}" (expected a libvirt URI such as test:///default, qemu:///system, qemu+ssh://host/system, sim://SCENARIO or sim+http://HOST:PORT)`,
  );
}

// The adapters load on first use: a simulation never loads libvirt's native bindings.
export async function openHypervisor(p: ParsedUri, opts: ConnectOptions = {}): Promise<HypervisorPort> {
  const common: PortOptions = {
    defaultTimeoutMs: opts.defaultTimeoutMs,
    clock: opts.clock,
    hostName: p.name,
  };
  if (p.kind === 'sim') {
    const { openSim } = await import('../sim/adapter.js');
    return openSim(p.uri, { ...common, speed: opts.speed });
  }
  if (p.kind === 'remote') {
    const { RemoteHypervisor } = await import('./rpc.js');
    return new RemoteHypervisor(p.uri, opts.defaultTimeoutMs);
  }
  const { openLibvirt } = await import('../libvirt/adapter.js');
  return openLibvirt(p.uri, {
    ...common,
    dedicatedConnection: opts.dedicatedConnection,
    readOnly: opts.readOnly,
  });
}
