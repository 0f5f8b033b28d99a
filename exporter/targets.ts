// Where the exporter gets its hosts from. A target wraps one hypervisor port, or one URI
// that is (re)connected with back-off: an unreachable URI at start-up or a connection lost
// mid-run keeps the exporter serving, with `vmpilot_host_up{host}=0` for that target's hosts.
import { withDeadline } from '../core/hypervisor/errors';
import type { HypervisorPort } from '../core/hypervisor/port';
import { ReconnectingPort, type ReconnectOptions } from '../core/hypervisor/reconnecting';

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

/**
 * A port opened by the caller (library use, the autoscaler's in-process exporter): always
 * "connected". Hosts its `reachability()` reports down are scraped too (`vmpilot_host_up 0`),
 * though `listHosts` leaves them out.
 */
export class FixedTarget implements Target {
  private readonly list = new HostList();
  constructor(private readonly p: HypervisorPort) {}
  port(): HypervisorPort {
    return this.p;
  }
  async hosts(timeoutMs: number): Promise<string[]> {
    const listed = await this.list.get(this.p, timeoutMs, Date.now());
    const down = (this.p.reachability?.() ?? []).filter((h) => !h.up && !listed.includes(h.host));
    return down.length ? [...listed, ...down.map((h) => h.host)] : listed;
  }
  reportError(): void {
    this.list.invalidate();
  }
  async close(): Promise<void> {
    // The caller owns the port.
  }
}

/**
 * One `--connect URI`, reconnected with exponential back-off when unreachable: the
 * reconnecting port of core/hypervisor/reconnecting.ts, seen as a target (no port while
 * down, so the scrape reports the URI's host with `vmpilot_host_up 0`).
 */
export class ReconnectingTarget implements Target {
  private readonly p: ReconnectingPort;
  private readonly list = new HostList();

  constructor(spec: string, o: ReconnectOptions = {}) {
    this.p = new ReconnectingPort(spec, o);
    // A new connection may serve other hosts than the last one: list them again.
    this.p.onStateChange(() => this.list.invalidate());
  }

  get spec(): string {
    return this.p.spec;
  }

  /** First connection attempt; never throws (a failure schedules a retry). */
  start(): Promise<void> {
    return this.p.open();
  }

  port(): HypervisorPort | undefined {
    return this.p.connection();
  }

  backgroundPort(): Promise<HypervisorPort | undefined> {
    return this.p.backgroundConnection();
  }

  async hosts(timeoutMs: number): Promise<string[]> {
    const current = this.p.connection();
    if (!current) return [this.p.impliedHost];
    try {
      return await this.list.get(current, timeoutMs, Date.now());
    } catch (e) {
      this.reportError(e);
      return [this.p.impliedHost];
    }
  }

  reportError(e: unknown): void {
    this.list.invalidate();
    this.p.reportError(e);
  }

  close(): Promise<void> {
    return this.p.close();
  }
}
