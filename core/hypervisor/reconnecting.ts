// One hypervisor URI kept connected: an unreachable URI at start-up, or a connection lost
// mid-run, is retried in the background with exponential back-off while the port stays
// usable. Used by the exporter (exporter/targets.ts: `vmpilot_host_up 0` while down) and by
// the autoscaler (connect.ts with `reconnect`: the host is held, the others are planned).
//
// While disconnected:
// - `getHostInfo` tries to connect at once (bounded by its deadline): it is the direct libvirt
//   heartbeat of failed-host detection and of a restart's fencing check
//   (autoscaler/failover/), which must see a host that answers again, not a cached "down";
// - every other call rejects `unreachable` at once, naming the URI and the last error.
// Every call runs with a deadline (its `timeoutMs`, else the default), and a call that fails
// `unreachable` drops the connection and schedules a reconnect.
import type { Logger } from 'pino';
import { HypervisorError, isHypervisorError, withDeadline, type HypervisorErrorCode } from './errors';
import { openHypervisor, parseHypervisorUri, type ConnectOptions, type ParsedUri } from './open';
import type { CallOptions, HypervisorPort, VmRef } from './port';
import { hostNameFromUri } from '../libvirt/host-name';

export interface ReconnectOptions {
  portOptions?: ConnectOptions;
  logger?: Logger;
  /** First retry delay; doubles up to maxBackoffMs. Default 1 s. */
  initialBackoffMs?: number;
  /** Default 60 s. */
  maxBackoffMs?: number;
  /** Deadline of one connection attempt. Default 10 s. */
  connectTimeoutMs?: number;
}

/** Whether the URI's connection is open now, since when, and why not. */
export interface ConnectionState {
  up: boolean;
  /** When it last changed (ms since the epoch). */
  sinceMs: number;
  /** While down: the error that started this outage (later ones are logged at debug level). */
  error?: string;
  code?: HypervisorErrorCode;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const NOT_YET = 'not connected yet';
const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Whether background reads get a libvirt connection of their own. libvirtd answers the
 * calls of one connection in turn, so on a remote connection a slow bulk read delays the
 * scrape's cheap one (core/libvirt/connection.ts). Not for the test driver: it is
 * in-process (nothing to queue behind), and a second test:///FILE connection would load a
 * second, separate copy of the host.
 */
function wantsDedicatedBackground(parsed: ParsedUri): boolean {
  return parsed.kind === 'libvirt' && !parsed.uri.startsWith('test:');
}

/** One `[NAME=]URI`, reconnected with exponential back-off while unreachable. */
export class ReconnectingPort implements HypervisorPort {
  readonly uri: string;
  /** The host name the URI implies (`NAME=`, the server part, the test file), else the URI. */
  readonly impliedHost: string;
  private current: HypervisorPort | undefined;
  /** The dedicated background port, opened on first use, closed with `current`. */
  private background: HypervisorPort | undefined;
  private backgroundOpening: Promise<HypervisorPort | undefined> | undefined;
  private readonly dedicatedBackground: boolean;
  private readonly parsed: ParsedUri;
  private timer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private backoffMs: number;
  private stateNow: ConnectionState = { up: false, sinceMs: Date.now(), error: NOT_YET };
  /** Whether "unreachable" was logged for the current outage (one warning per outage). */
  private warned = false;
  private quiet = false;
  private readonly listeners: ((s: ConnectionState) => void)[] = [];

  constructor(
    readonly spec: string,
    private readonly o: ReconnectOptions = {},
  ) {
    const parsed = parseHypervisorUri(spec); // throws `invalid` on a malformed URI
    this.parsed = parsed;
    this.uri = parsed.uri;
    this.impliedHost = hostNameFromUri(parsed.uri, parsed.name) ?? parsed.uri;
    this.dedicatedBackground = wantsDedicatedBackground(parsed);
    this.backoffMs = o.initialBackoffMs ?? 1000;
  }

  /**
   * First connection attempt; never throws (a failure schedules a retry: see `state`).
   * `quiet`: a failure is not logged yet — the caller checks it first, then `announce()`s.
   */
  async open(opts: { quiet?: boolean } = {}): Promise<void> {
    this.quiet = opts.quiet === true;
    try {
      await this.connect();
    } finally {
      this.quiet = false;
    }
  }

  /** Logs the outage a quiet `open` left unlogged (one warning). */
  announce(): void {
    if (this.stateNow.up || this.warned || this.closed) return;
    this.o.logger?.warn(
      { uri: this.spec, err: this.stateNow.error, retryInMs: this.backoffMs },
      'hypervisor unreachable; retrying in the background with back-off',
    );
    this.warned = true;
  }

  state(): ConnectionState {
    return this.stateNow;
  }

  /** Called on every change between up and down. */
  onStateChange(listener: (s: ConnectionState) => void): void {
    this.listeners.push(listener);
  }

  /** The open connection, or undefined while down. */
  connection(): HypervisorPort | undefined {
    return this.current;
  }

  private setState(s: ConnectionState): void {
    // Before the first attempt the state is a placeholder: the first failure replaces it.
    const first = this.stateNow.code === undefined && !this.stateNow.up && this.stateNow.error === NOT_YET;
    if (s.up === this.stateNow.up && !first) return; // same outage (or still up): nothing changes
    this.stateNow = s;
    for (const l of this.listeners) l(s);
  }

  /** One attempt, shared by concurrent callers; resolves when it ended either way. */
  private connect(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async attempt(): Promise<void> {
    const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
    const attempt = openHypervisor(this.parsed, this.o.portOptions);
    try {
      const port = await withDeadline(`connect ${this.spec}`, timeoutMs, attempt);
      if (this.closed) {
        await port.close();
        return;
      }
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.current = port;
      this.backoffMs = this.o.initialBackoffMs ?? 1000;
      const wasDown = this.warned;
      this.warned = false;
      this.setState({ up: true, sinceMs: Date.now() });
      if (wasDown) this.o.logger?.info({ uri: this.spec }, 'hypervisor reachable again');
      else this.o.logger?.debug({ uri: this.spec }, 'connected');
    } catch (e) {
      // A late success of a timed-out attempt must not leak a connection.
      attempt.then((p) => p.close()).catch(() => undefined);
      this.down(e, 'hypervisor unreachable; retrying in the background with back-off');
      this.schedule();
    }
  }

  /** Records an outage; warns once per outage, later failures at debug level. */
  private down(e: unknown, message: string): void {
    this.setState({
      up: false,
      sinceMs: Date.now(),
      error: text(e),
      ...(e instanceof HypervisorError ? { code: e.code } : {}),
    });
    const fields = { uri: this.spec, err: text(e), retryInMs: this.backoffMs };
    if (this.quiet) return;
    if (this.warned) this.o.logger?.debug(fields, message);
    else this.o.logger?.warn(fields, message);
    this.warned = true;
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 60_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  /**
   * The port for slow background reads: a connection of their own where that helps
   * (remote libvirt), so they never delay the cheap reads; else the main connection.
   */
  async backgroundConnection(): Promise<HypervisorPort | undefined> {
    const main = this.current;
    if (!main || !this.dedicatedBackground) return main;
    if (this.background) return this.background;
    this.backgroundOpening ??= this.openBackground(main).finally(() => {
      this.backgroundOpening = undefined;
    });
    // Opening failed: read on the main connection this time (slower, not missing data).
    return (await this.backgroundOpening) ?? this.current;
  }

  private async openBackground(main: HypervisorPort): Promise<HypervisorPort | undefined> {
    const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
    const attempt = openHypervisor(this.parsed, { ...this.o.portOptions, dedicatedConnection: true });
    try {
      const port = await withDeadline(`connect ${this.spec} (background reads)`, timeoutMs, attempt);
      if (this.closed || this.current !== main) {
        await port.close(); // reconnected or closed meanwhile: this one belongs to the old connection
        return undefined;
      }
      this.background = port;
      return port;
    } catch (e) {
      attempt.then((p) => p.close()).catch(() => undefined);
      this.o.logger?.warn(
        { uri: this.spec, err: text(e) },
        'opening the background-read connection failed; reading slow groups on the main one',
      );
      return undefined;
    }
  }

  private dropBackground(): Promise<void> {
    const p = this.background;
    this.background = undefined;
    return p ? p.close().catch(() => undefined) : Promise.resolve();
  }

  /** Tells the port a call failed; `unreachable` drops the connection and reconnects. */
  reportError(e: unknown): void {
    if (!isHypervisorError(e, 'unreachable') || !this.current || this.closed) return;
    const old = this.current;
    this.current = undefined;
    this.down(e, 'hypervisor connection lost; reconnecting in the background with back-off');
    void old.close().catch(() => undefined);
    void this.dropBackground();
    this.schedule();
  }

  private notConnected(): HypervisorError {
    if (this.closed) return new HypervisorError('unreachable', `${this.spec}: port is closed`);
    return new HypervisorError(
      'unreachable',
      `${this.spec}: not connected since ${new Date(this.stateNow.sinceMs).toISOString()} (${this.stateNow.error ?? 'unknown error'}); retrying in the background`,
    );
  }

  /** Runs `fn` on the connection with the call's deadline; `unreachable` triggers a reconnect. */
  private async call<T>(
    what: string,
    opts: CallOptions | undefined,
    fn: (p: HypervisorPort) => Promise<T>,
    deadline = true,
  ): Promise<T> {
    const p = this.current;
    if (!p) throw this.notConnected();
    const timeoutMs = opts?.timeoutMs ?? this.o.portOptions?.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      return await (deadline ? withDeadline(`${what} on ${this.spec}`, timeoutMs, fn(p)) : fn(p));
    } catch (e) {
      if (this.current === p) this.reportError(e);
      throw e;
    }
  }

  listHosts: HypervisorPort['listHosts'] = (opts) => this.call('listHosts', opts, (p) => p.listHosts(opts));
  getHostInfo: HypervisorPort['getHostInfo'] = async (host, opts) => {
    // The heartbeat: while down, try to connect now (within this call's deadline).
    if (!this.current && !this.closed) {
      const timeoutMs = opts?.timeoutMs ?? this.o.portOptions?.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
      await withDeadline(`connect ${this.spec}`, timeoutMs, this.connect()).catch(() => undefined);
    }
    return this.call('getHostInfo', opts, (p) => p.getHostInfo(host, opts));
  };
  listVms: HypervisorPort['listVms'] = (host, opts) =>
    this.call('listVms', opts, (p) => p.listVms(host, opts));
  getVm: HypervisorPort['getVm'] = (ref, opts) => this.call('getVm', opts, (p) => p.getVm(ref, opts));
  getStats: HypervisorPort['getStats'] = (host, opts) =>
    this.call('getStats', opts, (p) => p.getStats(host, opts));
  setMemory: HypervisorPort['setMemory'] = (ref, b, opts) =>
    this.call('setMemory', opts, (p) => p.setMemory(ref, b, opts));
  setVcpus: HypervisorPort['setVcpus'] = (ref, n, opts) =>
    this.call('setVcpus', opts, (p) => p.setVcpus(ref, n, opts));
  suspend: HypervisorPort['suspend'] = (ref, opts) => this.call('suspend', opts, (p) => p.suspend(ref, opts));
  resume: HypervisorPort['resume'] = (ref, opts) => this.call('resume', opts, (p) => p.resume(ref, opts));
  start: HypervisorPort['start'] = (ref, opts) => this.call('start', opts, (p) => p.start(ref, opts));
  stop: HypervisorPort['stop'] = (ref, opts) => this.call('stop', opts, (p) => p.stop(ref, opts));
  getCpuTune: HypervisorPort['getCpuTune'] = (ref, opts) =>
    this.call('getCpuTune', opts, (p) => p.getCpuTune(ref, opts));
  setCpuShares: HypervisorPort['setCpuShares'] = (ref, s, opts) =>
    this.call('setCpuShares', opts, (p) => p.setCpuShares(ref, s, opts));
  setCpuCap: HypervisorPort['setCpuCap'] = (ref, c, opts) =>
    this.call('setCpuCap', opts, (p) => p.setCpuCap(ref, c, opts));
  pinVcpu: HypervisorPort['pinVcpu'] = (ref, v, cpus, opts) =>
    this.call('pinVcpu', opts, (p) => p.pinVcpu(ref, v, cpus, opts));
  setBlockIoTune: HypervisorPort['setBlockIoTune'] = (ref, d, t, opts) =>
    this.call('setBlockIoTune', opts, (p) => p.setBlockIoTune(ref, d, t, opts));
  setNetBandwidth: HypervisorPort['setNetBandwidth'] = (ref, d, b, opts) =>
    this.call('setNetBandwidth', opts, (p) => p.setNetBandwidth(ref, d, b, opts));
  save: HypervisorPort['save'] = (ref, path, opts) => this.call('save', opts, (p) => p.save(ref, path, opts));
  restore: HypervisorPort['restore'] = (host, path, opts) =>
    this.call('restore', opts, (p) => p.restore(host, path, opts));
  // No deadline of ours: a migration's timeout aborts its job inside the adapter, which a
  // race here would cut short (the VM's location would be unknown).
  migrate: HypervisorPort['migrate'] = (ref, target, opts) =>
    this.call('migrate', opts, (p) => p.migrate(ref, target, opts), false);
  getJobProgress: HypervisorPort['getJobProgress'] = (ref, opts) =>
    this.call('getJobProgress', opts, (p) => p.getJobProgress(ref, opts));
  abortJob: HypervisorPort['abortJob'] = (ref, opts) =>
    this.call('abortJob', opts, (p) => p.abortJob(ref, opts));
  getDefinition: NonNullable<HypervisorPort['getDefinition']> = (ref: VmRef, opts?: CallOptions) =>
    this.call('getDefinition', opts, (p) => {
      if (!p.getDefinition) throw new HypervisorError('unsupported', `${this.uri}: no VM definitions`);
      return p.getDefinition(ref, opts);
    });
  define: NonNullable<HypervisorPort['define']> = (host: string, definition: string, opts?: CallOptions) =>
    this.call('define', opts, (p) => {
      if (!p.define) throw new HypervisorError('unsupported', `${this.uri}: cannot define VMs`);
      return p.define(host, definition, opts);
    });

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.current;
    this.current = undefined;
    await Promise.all([p?.close(), this.dropBackground()]);
  }
}
