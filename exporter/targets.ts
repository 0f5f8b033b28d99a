// Where the exporter gets its hosts from. A target wraps one hypervisor port, or one URI
// that is (re)connected with back-off: an unreachable URI at start-up or a connection lost
// mid-run keeps the exporter serving, with `vmpilot_host_up{host}=0` for that target's hosts.
import type { Logger } from 'pino';
import { connectHypervisors, parseHypervisorUri } from '../core/hypervisor/connect';
import { isHypervisorError, withDeadline } from '../core/hypervisor/errors';
import type { ConnectOptions, ParsedUri } from '../core/hypervisor/connect';
import type { HypervisorPort } from '../core/hypervisor/port';
import { hostNameFromUri } from '../core/libvirt/host-name';

export interface Target {
  /** The port, or undefined while disconnected. */
  port(): HypervisorPort | undefined;
  /** Host names to scrape (while disconnected: the name the URI implies). */
  hosts(timeoutMs: number): Promise<string[]>;
  /**
   * The port for the slow background stat reads: a connection of their own where that
   * helps (remote libvirt), so they never delay the scrape's cheap read; else `port()`.
   */
  backgroundPort?(): Promise<HypervisorPort | undefined>;
  /** Tells the target a call failed; an `unreachable` error triggers a reconnect. */
  reportError(e: unknown): void;
  close(): Promise<void>;
}

const HOST_LIST_TTL_MS = 30_000;

/** Caches `listHosts` (hosts rarely change; one less round trip per scrape). */
class HostList {
  private names: string[] | undefined;
  private at = 0;
  async get(port: HypervisorPort, timeoutMs: number, now: number): Promise<string[]> {
    if (!this.names || now - this.at > HOST_LIST_TTL_MS) {
      try {
        const hosts = await withDeadline('listHosts', timeoutMs, port.listHosts({ timeoutMs }));
        this.names = hosts.map((h) => h.name);
        this.at = now;
      } catch (e) {
        // A hung or failing host must still show up (with host_up 0): keep the last list.
        if (!this.names) throw e;
      }
    }
    return this.names;
  }
  /** Re-list on the next scrape (the last list stays as a fallback). */
  invalidate(): void {
    this.at = 0;
  }
}

/** A port opened by the caller (library use): always "connected". */
export class FixedTarget implements Target {
  private readonly list = new HostList();
  constructor(private readonly p: HypervisorPort) {}
  port(): HypervisorPort {
    return this.p;
  }
  hosts(timeoutMs: number): Promise<string[]> {
    return this.list.get(this.p, timeoutMs, Date.now());
  }
  reportError(): void {
    this.list.invalidate();
  }
  async close(): Promise<void> {
    // The caller owns the port.
  }
}

export interface ReconnectOptions {
  portOptions?: ConnectOptions;
  logger?: Logger;
  /** First retry delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deadline of one connection attempt. */
  connectTimeoutMs?: number;
}

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

/** One `--connect URI`, reconnected with exponential back-off when unreachable. */
export class ReconnectingTarget implements Target {
  private current: HypervisorPort | undefined;
  /** The dedicated background port, opened on first use, closed with `current`. */
  private background: HypervisorPort | undefined;
  private backgroundOpening: Promise<HypervisorPort | undefined> | undefined;
  private readonly dedicatedBackground: boolean;
  private readonly list = new HostList();
  private readonly fallbackName: string;
  private timer: NodeJS.Timeout | undefined;
  private connecting = false;
  private closed = false;
  private backoffMs: number;

  constructor(
    readonly spec: string,
    private readonly o: ReconnectOptions = {},
  ) {
    const parsed = parseHypervisorUri(spec); // throws `invalid` on a malformed URI
    this.fallbackName = hostNameFromUri(parsed.uri, parsed.name) ?? parsed.uri;
    this.dedicatedBackground = wantsDedicatedBackground(parsed);
    this.backoffMs = o.initialBackoffMs ?? 1000;
  }

  /** First connection attempt; never throws (a failure schedules a retry). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.connecting || this.closed) return;
    this.connecting = true;
    const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
    const attempt = connectHypervisors([this.spec], this.o.portOptions);
    try {
      const port = await withDeadline(`connect ${this.spec}`, timeoutMs, attempt);
      if (this.closed) {
        await port.close();
        return;
      }
      this.current = port;
      this.list.invalidate();
      this.backoffMs = this.o.initialBackoffMs ?? 1000;
      this.o.logger?.info({ uri: this.spec }, 'connected');
    } catch (e) {
      // A late success of a timed-out attempt must not leak a connection.
      attempt.then((p) => p.close()).catch(() => undefined);
      this.o.logger?.warn(
        { uri: this.spec, err: e instanceof Error ? e.message : String(e), retryInMs: this.backoffMs },
        'hypervisor unreachable; retrying',
      );
      this.schedule();
    } finally {
      this.connecting = false;
    }
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

  port(): HypervisorPort | undefined {
    return this.current;
  }

  async backgroundPort(): Promise<HypervisorPort | undefined> {
    const main = this.current;
    if (!main || !this.dedicatedBackground) return main;
    if (this.background) return this.background;
    this.backgroundOpening ??= this.openBackground(main).finally(() => {
      this.backgroundOpening = undefined;
    });
    // Opening failed: read on the main connection this time (slower scrapes, not missing data).
    return (await this.backgroundOpening) ?? this.current;
  }

  private async openBackground(main: HypervisorPort): Promise<HypervisorPort | undefined> {
    const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
    const attempt = connectHypervisors([this.spec], { ...this.o.portOptions, dedicatedConnection: true });
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
        { uri: this.spec, err: e instanceof Error ? e.message : String(e) },
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

  async hosts(timeoutMs: number): Promise<string[]> {
    if (!this.current) return [this.fallbackName];
    try {
      return await this.list.get(this.current, timeoutMs, Date.now());
    } catch (e) {
      this.reportError(e);
      return [this.fallbackName];
    }
  }

  reportError(e: unknown): void {
    this.list.invalidate();
    if (isHypervisorError(e, 'unreachable') && this.current) {
      const old = this.current;
      this.current = undefined;
      this.o.logger?.warn({ uri: this.spec, err: (e as Error).message }, 'connection lost; reconnecting');
      void old.close().catch(() => undefined);
      void this.dropBackground();
      this.schedule();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.current;
    this.current = undefined;
    await Promise.all([p?.close(), this.dropBackground()]);
  }
}
