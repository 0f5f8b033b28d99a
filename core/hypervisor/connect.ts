// Opens hypervisor ports from URIs and aggregates several into one port routed by host
// name. Accepted: libvirt URIs (test:///default, test:///abs/host.xml, qemu:///system,
// qemu+tcp://, qemu+ssh://, qemu+tls://, qemu+unix://), sim://SCENARIO and sim+http://HOST:PORT
// (a cluster served by another process: rpc.ts). A URI may be prefixed `NAME=` to choose the
// host name vmpilot uses for it.
import { HypervisorError } from './errors';
import type { LibvirtPortOptions } from '../libvirt/adapter';
import type { SimPortOptions } from '../sim/adapter';
import type { CallOptions, HostInfo, HypervisorPort, VmRef } from './port';
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

/** Opens one port per URI and returns a single port over all of them. */
export async function connectHypervisors(
  specs: readonly string[],
  opts: ConnectOptions = {},
): Promise<HypervisorPort> {
  if (specs.length === 0) throw new HypervisorError('invalid', 'no hypervisor URI given (use --connect URI)');
  const parsed = specs.map(parseHypervisorUri);
  const ports: HypervisorPort[] = [];
  try {
    for (const p of parsed) ports.push(await openOne(p, opts));
  } catch (e) {
    await Promise.allSettled(ports.map((p) => p.close()));
    throw e;
  }
  return ports.length === 1 ? ports[0] : new MultiHypervisor(ports);
}

// The adapters load on first use: a simulation never loads libvirt's native bindings.
async function openOne(p: ParsedUri, opts: ConnectOptions): Promise<HypervisorPort> {
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

type HostMethod = {
  [K in keyof HypervisorPort]-?: HypervisorPort[K] extends (host: string, ...rest: never[]) => unknown
    ? K
    : never;
}[keyof HypervisorPort];

/** Routes each call to the port that owns the host. Host names must be unique across ports. */
export class MultiHypervisor implements HypervisorPort {
  readonly uri: string;
  private owner = new Map<string, HypervisorPort>();

  constructor(private readonly ports: readonly HypervisorPort[]) {
    this.uri = ports.map((p) => p.uri).join(' ');
  }

  async listHosts(opts?: CallOptions): Promise<HostInfo[]> {
    const lists = await Promise.all(this.ports.map((p) => p.listHosts(opts)));
    const hosts: HostInfo[] = [];
    this.owner.clear();
    lists.forEach((list, i) => {
      for (const h of list) {
        if (this.owner.has(h.name)) {
          throw new HypervisorError(
            'invalid',
            `host name "${h.name}" is used by two URIs; name them with NAME=URI`,
          );
        }
        this.owner.set(h.name, this.ports[i]);
        hosts.push(h);
      }
    });
    return hosts;
  }

  private async portOf(host: string): Promise<HypervisorPort> {
    if (!this.owner.has(host)) await this.listHosts();
    const p = this.owner.get(host);
    if (!p) throw new HypervisorError('not_found', `unknown host "${host}"`);
    return p;
  }

  private async byHost<K extends HostMethod>(method: K, host: string, ...rest: unknown[]): Promise<never> {
    const p = await this.portOf(host);
    return (p[method] as (...a: unknown[]) => Promise<never>).call(p, host, ...rest);
  }

  private async byVm(method: keyof HypervisorPort, ref: VmRef, ...rest: unknown[]): Promise<never> {
    const p = await this.portOf(ref.host);
    return (p[method] as (...a: unknown[]) => Promise<never>).call(p, ref, ...rest);
  }

  getHostInfo: HypervisorPort['getHostInfo'] = (host, opts) => this.byHost('getHostInfo', host, opts);
  listVms: HypervisorPort['listVms'] = (host, opts) => this.byHost('listVms', host, opts);
  getStats: HypervisorPort['getStats'] = (host, opts) => this.byHost('getStats', host, opts);
  restore: HypervisorPort['restore'] = (host, path, opts) => this.byHost('restore', host, path, opts);
  getVm: HypervisorPort['getVm'] = (ref, opts) => this.byVm('getVm', ref, opts);
  setMemory: HypervisorPort['setMemory'] = (ref, b, opts) => this.byVm('setMemory', ref, b, opts);
  setVcpus: HypervisorPort['setVcpus'] = (ref, n, opts) => this.byVm('setVcpus', ref, n, opts);
  suspend: HypervisorPort['suspend'] = (ref, opts) => this.byVm('suspend', ref, opts);
  resume: HypervisorPort['resume'] = (ref, opts) => this.byVm('resume', ref, opts);
  start: HypervisorPort['start'] = (ref, opts) => this.byVm('start', ref, opts);
  stop: HypervisorPort['stop'] = (ref, opts) => this.byVm('stop', ref, opts);
  getCpuTune: HypervisorPort['getCpuTune'] = (ref, opts) => this.byVm('getCpuTune', ref, opts);
  setCpuShares: HypervisorPort['setCpuShares'] = (ref, s, opts) => this.byVm('setCpuShares', ref, s, opts);
  setCpuCap: HypervisorPort['setCpuCap'] = (ref, c, opts) => this.byVm('setCpuCap', ref, c, opts);
  pinVcpu: HypervisorPort['pinVcpu'] = (ref, v, cpus, opts) => this.byVm('pinVcpu', ref, v, cpus, opts);
  setBlockIoTune: HypervisorPort['setBlockIoTune'] = (ref, d, t, opts) =>
    this.byVm('setBlockIoTune', ref, d, t, opts);
  setNetBandwidth: HypervisorPort['setNetBandwidth'] = (ref, d, b, opts) =>
    this.byVm('setNetBandwidth', ref, d, b, opts);
  save: HypervisorPort['save'] = (ref, path, opts) => this.byVm('save', ref, path, opts);
  migrate: HypervisorPort['migrate'] = (ref, target, opts) => this.byVm('migrate', ref, target, opts);
  getJobProgress: HypervisorPort['getJobProgress'] = (ref, opts) => this.byVm('getJobProgress', ref, opts);
  abortJob: HypervisorPort['abortJob'] = (ref, opts) => this.byVm('abortJob', ref, opts);
  getDefinition: NonNullable<HypervisorPort['getDefinition']> = async (ref, opts) => {
    const p = await this.portOf(ref.host);
    if (!p.getDefinition) throw new HypervisorError('unsupported', `${p.uri}: no VM definitions`);
    return p.getDefinition(ref, opts);
  };
  define: NonNullable<HypervisorPort['define']> = async (host, definition, opts) => {
    const p = await this.portOf(host);
    if (!p.define) throw new HypervisorError('unsupported', `${p.uri}: cannot define VMs`);
    return p.define(host, definition, opts);
  };

  async close(): Promise<void> {
    await Promise.allSettled(this.ports.map((p) => p.close()));
  }
}
