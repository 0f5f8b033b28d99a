// One scrape: for every host of every target, concurrently, ONE bulk getStats (plus the
// host facts and, where offered, application SLIs), bounded by a deadline; then every
// enabled collector turns the result into families, each guarded so that a failing
// collector or a down host never fails the scrape. Expensive stat groups (those that need
// a round trip to each QEMU) can be read in the background on their own cadence and
// served from a cache, with their age in `vmpilot_collector_last_success_timestamp_seconds`.
import type { Logger } from 'pino';
import type { HostInfo, HostStats, HypervisorPort, StatGroup } from '../core/hypervisor/port';
import { offersAppStats, readAppStats } from './app-stats';
import type { AppSli, Collector } from './collectors/types';
import { mergeHostStats } from './merge-stats';
import { FamilyBuilder, mergeFamilies, type MetricFamily } from './metrics';
import { SingleFlight } from './single-flight';
import type { Target } from './targets';

export interface BackgroundOptions {
  /** Stat groups read outside the scrape path. */
  groups: readonly StatGroup[];
  /** Minimum age before the cache is refreshed (the refresh starts on a scrape, off its path). */
  intervalMs: number;
}

export interface ScraperOptions {
  targets: readonly Target[];
  collectors: readonly Collector[];
  /** Deadline of one scrape in milliseconds. */
  deadlineMs: number;
  background?: BackgroundOptions;
  logger?: Logger;
  /** Wall clock, ms since the epoch (timestamps in the output). */
  now?: () => number;
}

interface Outcome<T> {
  value?: T;
  error?: unknown;
  ms: number;
}

interface BackgroundCache {
  stats?: HostStats;
  /** When the last successful read finished (wall clock ms). */
  okAtMs?: number;
  /** Whether the most recent finished attempt succeeded. */
  lastOk: boolean;
  lastAttemptAtMs: number;
  durationMs: number;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class Scraper {
  private readonly flight = new SingleFlight();
  private readonly bg = new Map<string, BackgroundCache>();
  private readonly lastSuccess = new Map<string, Map<string, number>>();
  private readonly fgGroups: StatGroup[];
  private readonly bgGroups: StatGroup[];
  private readonly now: () => number;

  constructor(private readonly o: ScraperOptions) {
    this.now = o.now ?? Date.now;
    const wanted = new Set<StatGroup>(['state']);
    for (const c of o.collectors) for (const g of c.groups) wanted.add(g);
    const bgWanted = new Set(o.background?.groups ?? []);
    bgWanted.delete('state');
    this.bgGroups = [...wanted].filter((g) => bgWanted.has(g));
    this.fgGroups = [...wanted].filter((g) => !bgWanted.has(g));
  }

  /** Stat groups read on the scrape path and in the background. */
  get groups(): { foreground: readonly StatGroup[]; background: readonly StatGroup[] } {
    return { foreground: this.fgGroups, background: this.bgGroups };
  }

  /** Number of hypervisor calls still outstanding (bounded: one per host and kind). */
  get callsInFlight(): number {
    return this.flight.size;
  }

  async collect(): Promise<MetricFamily[]> {
    const started = performance.now();
    const deadlineAt = started + this.o.deadlineMs;
    const perTarget = await Promise.all(this.o.targets.map((t) => this.scrapeTarget(t, deadlineAt)));
    // Bounded memory: drop the caches of hosts that no target lists any more.
    const seen = new Set(perTarget.flatMap((r) => r.hosts));
    for (const h of [...this.lastSuccess.keys()]) if (!seen.has(h)) this.lastSuccess.delete(h);
    for (const h of [...this.bg.keys()]) if (!seen.has(h)) this.bg.delete(h);
    const b = new FamilyBuilder();
    b.family(
      'vmpilot_scrape_duration_seconds',
      'gauge',
      'Time this scrape took to collect every host.',
    )({}, (performance.now() - started) / 1000);
    return mergeFamilies([...perTarget.flatMap((r) => r.families), b.build()]);
  }

  private async scrapeTarget(
    t: Target,
    deadlineAt: number,
  ): Promise<{ hosts: string[]; families: MetricFamily[][] }> {
    const remaining = () => Math.max(1, deadlineAt - performance.now());
    let hosts: string[];
    try {
      hosts = await raceDeadline(t.hosts(remaining()), remaining());
    } catch (e) {
      this.o.logger?.warn({ err: errText(e) }, 'listing hosts failed');
      t.reportError(e);
      return { hosts: [], families: [] };
    }
    const families = await Promise.all(hosts.map((h) => this.scrapeHost(t, t.port(), h, deadlineAt)));
    return { hosts, families };
  }

  private needsBackgroundRefresh(host: string, nowMs: number): boolean {
    const c = this.bg.get(host);
    return !c || nowMs - c.lastAttemptAtMs >= (this.o.background?.intervalMs ?? 0);
  }

  /** Starts (or joins) a background read of the slow groups; resolves when it finished. */
  private refreshBackground(port: HypervisorPort, t: Target, host: string): Promise<void> {
    return this.flight.run(`${host}\0bg`, async () => {
      const t0 = performance.now();
      const prev = this.bg.get(host);
      try {
        const stats = await port.getStats(host, {
          groups: ['state', ...this.bgGroups],
          timeoutMs: Math.max(this.o.deadlineMs, this.o.background?.intervalMs ?? 0),
        });
        this.bg.set(host, {
          stats,
          okAtMs: this.now(),
          lastOk: true,
          lastAttemptAtMs: this.now(),
          durationMs: performance.now() - t0,
        });
      } catch (e) {
        this.o.logger?.warn({ host, err: errText(e) }, 'background stats read failed');
        t.reportError(e);
        this.bg.set(host, {
          ...prev,
          lastOk: false,
          lastAttemptAtMs: this.now(),
          durationMs: performance.now() - t0,
        });
      }
    });
  }

  private async scrapeHost(
    t: Target,
    port: HypervisorPort | undefined,
    host: string,
    deadlineAt: number,
  ): Promise<MetricFamily[]> {
    const scrapeAtMs = this.now();
    const remaining = Math.max(1, deadlineAt - performance.now());
    const enabled = new Set(this.o.collectors.map((c) => c.name));
    let stats: Outcome<HostStats> | undefined;
    let info: Outcome<HostInfo> | undefined;
    let app: Outcome<AppSli[]> | undefined;
    const jobs: Promise<unknown>[] = [];
    const timed = <T>(key: string, work: () => Promise<T>, set: (o: Outcome<T>) => void) => {
      const t0 = performance.now();
      jobs.push(
        this.flight.run(`${host}\0${key}`, work).then(
          (value) => set({ value, ms: performance.now() - t0 }),
          (error: unknown) => set({ error, ms: performance.now() - t0 }),
        ),
      );
    };
    const wantsApp = port !== undefined && enabled.has('app') && offersAppStats(port);
    if (port) {
      timed(
        'stats',
        () => port.getStats(host, { groups: this.fgGroups, timeoutMs: remaining }),
        (o) => (stats = o),
      );
      if (enabled.has('host'))
        timed(
          'info',
          () => port.getHostInfo(host, { timeoutMs: remaining }),
          (o) => (info = o),
        );
      if (wantsApp)
        timed(
          'app',
          () => readAppStats(port, host),
          (o) => (app = o),
        );
      if (this.bgGroups.length > 0 && this.needsBackgroundRefresh(host, scrapeAtMs)) {
        const first = !this.bg.get(host)?.stats;
        const refresh = this.refreshBackground(port, t, host);
        // The first scrape of a host waits (within the deadline) for the slow groups too.
        if (first) jobs.push(refresh);
      }
    }
    const finished = await raceDeadline(
      Promise.all(jobs).then(() => true),
      remaining,
    ).catch(() => false);

    const log = this.o.logger;
    if (!finished)
      log?.warn(
        { host, deadlineMs: this.o.deadlineMs },
        'scrape deadline passed; answering with what arrived',
      );
    for (const [what, o] of [
      ['stats', stats],
      ['host info', info],
      ['app stats', app],
    ] as const) {
      if (o?.error !== undefined) {
        log?.warn({ host, err: errText(o.error) }, `reading ${what} failed`);
        t.reportError(o.error);
      }
    }

    const bgCache = this.bg.get(host);
    const input = {
      host,
      stats: stats?.value
        ? sortedByName(mergeHostStats(stats.value, bgCache?.stats, this.bgGroups))
        : undefined,
      hostInfo: info?.value,
      app: app?.value,
    };
    const b = new FamilyBuilder();
    const up = b.family(
      'vmpilot_host_up',
      'gauge',
      '1 when the host answered the bulk stats read within the deadline.',
    );
    up({ host }, stats?.value ? 1 : 0);
    const success = b.family(
      'vmpilot_scrape_collector_success',
      'gauge',
      '1 when the collector produced its metrics for this host in this scrape.',
    );
    const duration = b.family(
      'vmpilot_scrape_collector_duration_seconds',
      'gauge',
      "Time to read the collector's input (background read for slow groups) plus processing.",
    );
    const lastOk = b.family(
      'vmpilot_collector_last_success_timestamp_seconds',
      'gauge',
      'When the data this collector served was last read successfully (unix seconds).',
    );
    const out: MetricFamily[][] = [];
    let successes = this.lastSuccess.get(host);
    if (!successes) this.lastSuccess.set(host, (successes = new Map()));
    for (const c of this.o.collectors) {
      if (c.source === 'app' && !wantsApp && port) continue; // this port has no application SLIs
      const background = c.groups.length > 0 && c.groups.every((g) => this.bgGroups.includes(g));
      const src = c.source === 'stats' ? stats : c.source === 'host' ? info : app;
      let ok = src?.value !== undefined && (!background || bgCache?.stats !== undefined);
      const readMs = (background ? (bgCache?.durationMs ?? 0) : 0) + (src?.ms ?? 0);
      const t0 = performance.now();
      if (ok) {
        try {
          out.push(c.collect(input));
        } catch (e) {
          ok = false;
          log?.error({ host, collector: c.name, err: errText(e) }, 'collector failed');
        }
      }
      if (ok && background && !bgCache?.lastOk) ok = false; // served, but from an older read
      const l = { host, collector: c.name };
      success(l, ok ? 1 : 0);
      duration(l, (readMs + performance.now() - t0) / 1000);
      if (ok) successes.set(c.name, background ? (bgCache?.okAtMs ?? scrapeAtMs) : scrapeAtMs);
      const last = successes.get(c.name);
      if (last !== undefined) lastOk(l, last / 1000);
    }
    out.push(b.build());
    return mergeFamilies(out);
  }
}

/** Resolves with `p`, or rejects when `ms` pass first. */
function raceDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`deadline of ${Math.round(ms)} ms passed`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Domains in name order, so /metrics is stable from scrape to scrape. */
function sortedByName(s: HostStats): HostStats {
  const vms = [...s.vms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...s, vms };
}
