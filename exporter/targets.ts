// Where the exporter gets its hosts from. A target wraps one hypervisor port, or one URI
// that is (re)connected with back-off: an unreachable URI at start-up or a connection lost
// mid-run keeps the exporter serving, with `vmpilot_host_up{host}=0` for that target's hosts.
import type { Logger } from 'pino';
import { connectHypervisors, parseHypervisorUri } from '../core/hypervisor/connect';
import { isHypervisorError, withDeadline } from '../core/hypervisor/errors';
import type { PortOptions } from '../core/hypervisor/connect';
import type { HypervisorPort } from '../core/hypervisor/port';
import { hostNameFromUri } from '../core/libvirt/host-name';

export interface Target {
  /** The port, or undefined while disconnected. */
  port(): HypervisorPort | undefined;
  /** Host names to scrape (while disconnected: the name the URI implies). */
  hosts(timeoutMs: number): Promise<string[]>;
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
  portOptions?: PortOptions;
  logger?: Logger;
  /** First retry delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deadline of one connection attempt. */
  connectTimeoutMs?: number;
}

/** One `--connect URI`, reconnected with exponential back-off when unreachable. */
export class ReconnectingTarget implements Target {
  private current: HypervisorPort | undefined;
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
      this.schedule();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.current;
    this.current = undefined;
    await p?.close();
  }
}
