// One scrape: for every host of every target, concurrently, ONE bulk getStats (plus the
// host facts and, where offered, application SLIs), bounded by a deadline; then every
// enabled collector turns the result into families, each guarded so that a failing
// collector or a down host never fails the scrape.
//
// Slow stat groups. Some libvirt groups cost a round trip to each QEMU (balloon, block,
// vcpu) or a cgroup read per domain (cpu-total): at 200 domains one read of them takes
// seconds (measured, see README.md). Each host therefore runs in one of two modes:
// - inline: the scrape reads every group in its one call (fresh data; small hosts, the
//   simulator, the test driver);
// - background: the scrape reads only the cheap groups; the slow ones are read by a
//   separate call started after the scrape (at most one outstanding, at most every
//   `intervalMs`) and served from its cache, with their age in
//   `vmpilot_collector_last_success_timestamp_seconds`. Where the target offers one
//   (remote libvirt), that call runs on a connection of its own: libvirtd answers one
//   connection's calls in turn, and the next scrape's cheap read must not wait behind it.
// A host switches to background when its inline read took longer than `slowMs`, and
// back when the background read gets faster than half of that (hysteresis).
import type { Logger } from 'pino';
import type { HostInfo, HostStats, HypervisorPort, StatGroup } from '../core/hypervisor/port';
import { offersAppStats, readAppStats } from './app-stats';
import type { AppSli, Collector } from './collectors/types';
import { mergeHostStats } from './merge-stats';
import { FamilyBuilder, mergeFamilies, type MetricFamily } from './metrics';
import { SingleFlight } from './single-flight';
import type { Target } from './targets';

export interface BackgroundOptions {
  /** Stat groups that may be read off the scrape path. */
  groups: readonly StatGroup[];
  /** Minimum age of the cache before the next background read (0 = after every scrape). */
  intervalMs: number;
  /** An inline read slower than this moves the host to background mode. */
  slowMs: number;
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
  /** When the data in `stats` was read (wall clock ms). */
  okAtMs?: number;
  /** Whether the most recent finished attempt succeeded. */
  lastOk: boolean;
  lastAttemptAtMs: number;
  durationMs: number;
}

type HostMode = 'inline' | 'background';

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class Scraper {
  private readonly flight = new SingleFlight();
  private readonly bg = new Map<string, BackgroundCache>();
  private readonly mode = new Map<string, HostMode>();
  private readonly lastSuccess = new Map<string, Map<string, number>>();
  private readonly allGroups: StatGroup[];
  private readonly cheapGroups: StatGroup[];
  private readonly slowGroups: StatGroup[];
  private readonly now: () => number;

  constructor(private readonly o: ScraperOptions) {
    this.now = o.now ?? Date.now;
    const wanted = new Set<StatGroup>(['state']);
    for (const c of o.collectors) for (const g of c.groups) wanted.add(g);
    const slow = new Set(o.background?.groups ?? []);
    slow.delete('state');
    this.allGroups = [...wanted];
    this.slowGroups = this.allGroups.filter((g) => slow.has(g));
    this.cheapGroups = this.allGroups.filter((g) => !slow.has(g));
  }

  /** Mode of each host seen so far (inline or background). */
  modes(): Record<string, HostMode> {
    return Object.fromEntries(this.mode);
  }

  /** Number of hypervisor calls still outstanding (bounded: a few per host). */
  get callsInFlight(): number {
    return this.flight.size;
  }

  async collect(): Promise<MetricFamily[]> {
    const started = performance.now();
    const deadlineAt = started + this.o.deadlineMs;
    const perTarget = await Promise.all(this.o.targets.map((t) => this.scrapeTarget(t, deadlineAt)));
    // Bounded memory: drop the state of hosts that no target lists any more.
    const seen = new Set(perTarget.flatMap((r) => r.hosts));
    for (const m of [this.lastSuccess, this.bg, this.mode]) {
      for (const h of [...m.keys()]) if (!seen.has(h)) m.delete(h);
    }
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

  private setMode(host: string, mode: HostMode, why: Record<string, unknown>): void {
    if ((this.mode.get(host) ?? 'inline') === mode) return;
    this.mode.set(host, mode);
    this.o.logger?.info({ host, mode, slowGroups: this.slowGroups, ...why }, 'slow stat groups mode changed');
  }

  /** Starts (or joins) a background read of the slow groups; resolves when it finished. */
  private refreshBackground(port: HypervisorPort, t: Target, host: string): Promise<void> {
    return this.flight.run(`${host}\0bg`, async () => {
      const t0 = performance.now();
      const prev = this.bg.get(host);
      try {
        const reader = (await t.backgroundPort?.()) ?? port;
        const stats = await reader.getStats(host, {
          groups: ['state', ...this.slowGroups],
          timeoutMs: Math.max(this.o.deadlineMs, this.o.background?.intervalMs ?? 0),
        });
        const durationMs = performance.now() - t0;
        this.bg.set(host, {
          stats,
          okAtMs: this.now(),
          lastOk: true,
          lastAttemptAtMs: this.now(),
          durationMs,
        });
        if (durationMs < (this.o.background?.slowMs ?? Infinity) / 2) {
          this.setMode(host, 'inline', { backgroundReadMs: Math.round(durationMs) });
        }
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
    const mode: HostMode = this.slowGroups.length > 0 ? (this.mode.get(host) ?? 'inline') : 'inline';
    if (!this.mode.has(host)) this.mode.set(host, mode);
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
      const groups = mode === 'inline' ? this.allGroups : this.cheapGroups;
      timed(
        `stats-${mode}`,
        () => port.getStats(host, { groups, timeoutMs: remaining }),
        (o) => (stats = o),
      );
      if (enabled.has('host')) {
        timed(
          'info',
          () => port.getHostInfo(host, { timeoutMs: remaining }),
          (o) => (info = o),
        );
      }
      if (wantsApp) {
        timed(
          'app',
          () => readAppStats(port, host),
          (o) => (app = o),
        );
      }
    }
    const finished = await raceDeadline(
      Promise.all(jobs).then(() => true),
      remaining,
    ).catch(() => false);

    const log = this.o.logger;
    if (!finished) {
      log?.warn(
        { host, deadlineMs: this.o.deadlineMs },
        'scrape deadline passed; answering with what arrived',
      );
    }
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

    const slowMs = this.o.background?.slowMs ?? Infinity;
    if (port && mode === 'inline' && this.slowGroups.length > 0) {
      if (stats?.value && stats.ms > slowMs) {
        // Seed the cache with this read so the next scrape serves the slow groups at once.
        this.bg.set(host, {
          stats: stats.value,
          okAtMs: scrapeAtMs,
          lastOk: true,
          lastAttemptAtMs: scrapeAtMs,
          durationMs: stats.ms,
        });
        this.setMode(host, 'background', { inlineReadMs: Math.round(stats.ms) });
      } else if (!stats) {
        this.setMode(host, 'background', { inlineReadMs: `> ${Math.round(remaining)}` });
      }
    }
    if (port && mode === 'background' && stats?.value) {
      const c = this.bg.get(host);
      if (!c || scrapeAtMs - c.lastAttemptAtMs >= (this.o.background?.intervalMs ?? 0)) {
        void this.refreshBackground(port, t, host); // off the scrape path, served next time
      }
    }

    const bgCache = mode === 'background' ? this.bg.get(host) : undefined;
    const input = {
      host,
      stats: stats?.value
        ? sortedByName(
            mode === 'background'
              ? mergeHostStats(stats.value, bgCache?.stats, this.slowGroups)
              : stats.value,
          )
        : undefined,
      hostInfo: info?.value,
      app: app?.value,
    };
    const b = new FamilyBuilder();
    b.family(
      'vmpilot_host_up',
      'gauge',
      '1 when the host answered the bulk stats read within the deadline.',
    )({ host }, stats?.value ? 1 : 0);
    const success = b.family(
      'vmpilot_scrape_collector_success',
      'gauge',
      '1 when the collector produced its metrics for this host in this scrape.',
    );
    const duration = b.family(
      'vmpilot_scrape_collector_duration_seconds',
      'gauge',
      "Time to read the collector's input (the background read for slow groups) plus processing.",
    );
    const lastOk = b.family(
      'vmpilot_collector_last_success_timestamp_seconds',
      'gauge',
      'When the data this collector served was read successfully (unix seconds).',
    );
    const out: MetricFamily[][] = [];
    let successes = this.lastSuccess.get(host);
    if (!successes) this.lastSuccess.set(host, (successes = new Map()));
    for (const c of this.o.collectors) {
      if (c.source === 'app' && port && !wantsApp) continue; // this port has no application SLIs
      // In background mode the slow groups come from the cache only; without one (the inline
      // read timed out and the first background read is still running) they report success 0.
      const fromCache =
        mode === 'background' && c.groups.length > 0 && c.groups.every((g) => this.slowGroups.includes(g));
      const src = c.source === 'stats' ? stats : c.source === 'host' ? info : app;
      let ok = src?.value !== undefined && (!fromCache || bgCache?.stats !== undefined);
      const readMs = fromCache ? (bgCache?.durationMs ?? 0) : (src?.ms ?? 0);
      const t0 = performance.now();
      if (ok) {
        try {
          out.push(c.collect(input));
        } catch (e) {
          ok = false;
          log?.error({ host, collector: c.name, err: errText(e) }, 'collector failed');
        }
      }
      if (ok && fromCache && !bgCache?.lastOk) ok = false; // served, but from an older read
      const l = { host, collector: c.name };
      success(l, ok ? 1 : 0);
      duration(l, (readMs + performance.now() - t0) / 1000);
      if (ok) successes.set(c.name, fromCache ? (bgCache?.okAtMs ?? scrapeAtMs) : scrapeAtMs);
      const last = successes.get(c.name);
      if (last !== undefined) lastOk(l, last / 1000);
    }
    out.push(b.build());
    return mergeFamilies(out);
  }
}

/** Domains in name order, so /metrics is stable from scrape to scrape. */
function sortedByName(s: HostStats): HostStats {
  const vms = [...s.vms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...s, vms };
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
