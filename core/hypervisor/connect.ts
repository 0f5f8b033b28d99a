// Opens hypervisor ports from URIs and aggregates several into one port routed by host
// name. Accepted: libvirt URIs (test:///default, test:///abs/host.xml, qemu:///system,
// qemu+tcp://, qemu+ssh://, qemu+tls://, qemu+unix://), sim://SCENARIO and sim+http://HOST:PORT
// (a cluster served by another process: rpc.ts). A URI may be prefixed `NAME=` to choose the
// host name vmpilot uses for it.
import type { Logger } from 'pino';
import { HypervisorError } from './errors';
import { openHypervisor, parseHypervisorUri, type ConnectOptions } from './open';
import type { CallOptions, HostInfo, HostReachability, HypervisorPort, VmRef } from './port';
import { ReconnectingPort, type ReconnectOptions } from './reconnecting';

export { parseHypervisorUri, type ConnectOptions, type ParsedUri } from './open';

export interface ConnectHypervisorsOptions extends ConnectOptions {
  /**
   * Keep running when a URI cannot be connected (long-running services): each URI is
   * reconnected in the background with back-off (reconnecting.ts), its hosts are left out
   * of `listHosts` and reported by `reachability()` while down. Without it (one-shot
   * commands) the first URI that cannot be opened fails the whole call.
   */
  reconnect?: Omit<ReconnectOptions, 'portOptions' | 'logger'>;
  /** Logs connection state changes (with `reconnect`). */
  logger?: Logger;
}

/**
 * Opens one port per URI and returns a single port over all of them. With `reconnect`, a URI
 * that cannot be connected does not fail the call (see `ConnectHypervisorsOptions`); a
 * malformed URI, or one whose target does not exist (`invalid`, `not_found`: a missing
 * scenario or test-driver file), still does.
 */
export async function connectHypervisors(
  specs: readonly string[],
  opts: ConnectHypervisorsOptions = {},
): Promise<HypervisorPort> {
  if (specs.length === 0) throw new HypervisorError('invalid', 'no hypervisor URI given (use --connect URI)');
  const { reconnect, logger, ...portOptions } = opts;
  const parsed = specs.map(parseHypervisorUri);
  if (reconnect) return connectReconnecting(specs, portOptions, reconnect, logger);
  const ports: HypervisorPort[] = [];
  try {
    for (const p of parsed) ports.push(await openHypervisor(p, portOptions));
  } catch (e) {
    await Promise.allSettled(ports.map((p) => p.close()));
    throw e;
  }
  return ports.length === 1 ? ports[0] : new MultiHypervisor(ports);
}

async function connectReconnecting(
  specs: readonly string[],
  portOptions: ConnectOptions,
  reconnect: NonNullable<ConnectHypervisorsOptions['reconnect']>,
  logger: Logger | undefined,
): Promise<MultiHypervisor> {
  const open = async (spec: string) => {
    const m = new ReconnectingPort(spec, { ...reconnect, portOptions, logger });
    await m.open({ quiet: true }); // logged below, once its error is known to be its own
    return m;
  };
  // All at once: a site with many hosts does not wait for each dead one's deadline in turn.
  const members = await Promise.all(specs.map(open));
  const permanent = (m: ReconnectingPort) => m.state().code === 'invalid' || m.state().code === 'not_found';
  const plainlyDown = (m: ReconnectingPort) =>
    m.state().code === 'unreachable' || m.state().code === 'timeout';
  for (const [i, m] of members.entries()) {
    if (m.state().up || plainlyDown(m)) continue;
    // Any other error is asked again alone: libvirt reports errors through one global
    // callback, so an error of a concurrent open can be taken for this one's
    // (core/libvirt/ffi.ts errorSince) — and a wrong one could fail the start-up.
    await m.close();
    members[i] = await open(specs[i]);
    if (permanent(members[i])) {
      const { code, error } = members[i].state();
      await Promise.allSettled(members.map((x) => x.close()));
      throw new HypervisorError(code ?? 'invalid', `${specs[i]}: ${error ?? 'cannot be opened'}`);
    }
  }
  for (const m of members) m.announce();
  const multi = new MultiHypervisor(members);
  await multi.listHosts().catch(() => undefined); // routes and names the hosts; errors come again per call
  return multi;
}

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

type HostMethod = {
  [K in keyof HypervisorPort]-?: HypervisorPort[K] extends (host: string, ...rest: never[]) => unknown
    ? K
    : never;
}[keyof HypervisorPort];

/**
 * Routes each call to the port that owns the host. Host names must be unique across ports.
 * A member that cannot list its hosts is left out of `listHosts` (the others are still
 * listed) and reported by `reachability()`; calls for its hosts go to it (and reject
 * `unreachable`, or reconnect: reconnecting.ts).
 */
export class MultiHypervisor implements HypervisorPort {
  readonly uri: string;
  private owner = new Map<string, HypervisorPort>();
  /** Host names each member listed last. */
  private listed = new Map<HypervisorPort, string[]>();
  /** Members whose last `listHosts` failed, since when and why. */
  private failing = new Map<HypervisorPort, { sinceMs: number; error: string }>();
  private closed = false;

  constructor(private readonly ports: readonly HypervisorPort[]) {
    this.uri = ports.map((p) => p.uri).join(' ');
  }

  /** What a member's hosts are called: its last list, else the name its URI implies. */
  private namesOf(p: HypervisorPort): string[] {
    return this.listed.get(p) ?? (p instanceof ReconnectingPort ? [p.impliedHost] : []);
  }

  async listHosts(opts?: CallOptions): Promise<HostInfo[]> {
    if (this.closed) throw new HypervisorError('unreachable', `${this.uri}: port is closed`);
    const lists = await Promise.allSettled(this.ports.map((p) => p.listHosts(opts)));
    const hosts: HostInfo[] = [];
    const owner = new Map<string, HypervisorPort>();
    const claim = (name: string, p: HypervisorPort) => {
      if (owner.has(name) && owner.get(name) !== p) {
        throw new HypervisorError(
          'invalid',
          `host name "${name}" is used by two URIs; name them with NAME=URI`,
        );
      }
      owner.set(name, p);
    };
    lists.forEach((r, i) => {
      const p = this.ports[i];
      if (r.status === 'fulfilled') {
        this.failing.delete(p);
        this.listed.set(
          p,
          r.value.map((h) => h.name),
        );
        for (const h of r.value) {
          claim(h.name, p);
          hosts.push(h);
        }
      } else {
        const was = this.failing.get(p);
        this.failing.set(p, { sinceMs: was?.sinceMs ?? Date.now(), error: text(r.reason) });
        // Its hosts stay routed to it: calls name the real cause (unreachable) and a
        // reconnecting member's heartbeat can bring it back.
        for (const name of this.namesOf(p)) if (!owner.has(name)) owner.set(name, p);
      }
    });
    this.owner = owner;
    return hosts;
  }

  /** Every member's hosts, reachable or not (the last known names while down). */
  reachability(): HostReachability[] {
    return this.ports.flatMap((p) => {
      const state =
        p instanceof ReconnectingPort ? p.state() : { up: !this.failing.has(p), ...this.failing.get(p) };
      return this.namesOf(p).map((host) => ({
        host,
        uri: p.uri,
        up: state.up,
        ...(state.sinceMs !== undefined ? { sinceMs: state.sinceMs } : {}),
        ...(!state.up && state.error !== undefined ? { error: state.error } : {}),
      }));
    });
  }

  private async portOf(host: string): Promise<HypervisorPort> {
    if (!this.owner.has(host)) await this.listHosts();
    const p = this.owner.get(host);
    if (!p) throw new HypervisorError('not_found', `unknown host "${host}"`);
    return p;
  }

  /**
   * Calls `method` on the host's port — in the same turn when the host is known, so the
   * member's deadline starts with the call (a busy event loop cannot delay it).
   */
  private route(host: string, method: keyof HypervisorPort, first: unknown, rest: unknown[]): Promise<never> {
    const run = (p: HypervisorPort) =>
      (p[method] as (...a: unknown[]) => Promise<never>).call(p, first, ...rest);
    if (this.closed) return Promise.reject(new HypervisorError('unreachable', `${this.uri}: port is closed`));
    const known = this.owner.get(host);
    return known ? run(known) : this.portOf(host).then(run);
  }

  private byHost<K extends HostMethod>(method: K, host: string, ...rest: unknown[]): Promise<never> {
    return this.route(host, method, host, rest);
  }

  private byVm(method: keyof HypervisorPort, ref: VmRef, ...rest: unknown[]): Promise<never> {
    return this.route(ref.host, method, ref, rest);
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
    this.closed = true;
    await Promise.allSettled(this.ports.map((p) => p.close()));
  }
}
