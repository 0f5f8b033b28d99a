// Prometheus metrics source: one snapshot per round from instant and range queries (all in
// parallel, each with a deadline, read by prometheus-api.ts). Every failure is wrapped into a
// MetricsSourceError naming the query.
import { withDeadline } from '../../core/hypervisor/errors';
import { parseDuration } from '../../core/model/duration';
import { DEFAULT_HORIZON_SECONDS } from '../../core/model/horizon-history';
import type { HttpClientOptions } from '../../core/web/http-client';
import { DEFAULT_STALE_INTERVALS } from '../../core/model/staleness';
import { expandQuery, type QueryName } from '../config/queries';
import { promDurationSeconds } from '../config/schema';
import {
  buildSnapshot,
  type BuildInput,
  type InstantName,
  type Labels,
  type RangeName,
  type RangeSeries,
  type VmOverride,
} from './build-snapshot';
import { horizonCpuQuery, withHorizonCpu } from './horizon-query';
import { InstanceMap } from './instance-map';
import { PrometheusApi } from './prometheus-api';
import {
  MetricsSourceError,
  TooManySeriesError,
  type MetricsSource,
  type Observation,
  type RateWindow,
} from './source';

export interface PrometheusSourceOptions {
  url: string;
  /** Basic auth / bearer token / TLS of the connection (core/web/http-client.ts). */
  http?: HttpClientOptions;
  timeoutMs: number;
  scrapeIntervalSeconds: number;
  historyPoints: number;
  /** The planner's migration horizon: span of the VMs' horizon history (default its default). */
  horizonSeconds?: number;
  rateWindow: string;
  queries: Record<QueryName, string>;
  capacity: BuildInput['capacity'];
  /** `planner.staleIntervals` (default: its default, core/model/staleness.ts). */
  staleIntervals?: number;
  /** Most series one query may return (`prometheus.maxSeries`). */
  maxSeries?: number;
  /** Most hosts taken (`prometheus.maxHosts`). */
  maxHosts?: number;
  /** `prometheus.exporters`: one exporter per host, its `instance` names the host (instance-map.ts). */
  exporters?: Record<string, string>;
  vms: Record<
    string,
    {
      workload?: VmOverride['workload'];
      sli?: { query: string; target: number; higherIsBetter: boolean };
      requestsQuery?: string;
      responsesQuery?: string;
      responseTimeQuery?: string;
    }
  >;
}

/** The instant and range queries of a round (a fixed set, whatever the host count). */
export const INSTANT: readonly InstantName[] = [
  'vmInfo',
  'vmMemoryMax',
  'vmBalloon',
  'vmMemoryUnused',
  'vmMemoryRss',
  'vmVcpus',
  'vmCpuWait',
  'vmDiskTime',
  'vmDirtyRate',
  'vmCacheMpki',
  'vmRequests',
  'vmResponses',
  'vmResponseTime',
  'vmDiskDevices',
  'vmNics',
  'hostUp',
  'hostSampleTime',
  'hostCpus',
  'hostMemory',
];
export const RANGE: readonly RangeName[] = ['vmCpu', 'vmMemory', 'vmDisk', 'vmNetRx', 'vmNetTx'];
/** Without these nothing can be planned: their failure makes the whole round held. */
const ESSENTIAL = new Set<string>([
  'vmInfo',
  'hostUp',
  'hostSampleTime',
  'hostCpus',
  'hostMemory',
  'vmCpu',
  'vmMemory',
]);

export class PrometheusSource implements MetricsSource {
  private readonly api: PrometheusApi;
  private readonly instances: InstanceMap | undefined;

  constructor(private readonly o: PrometheusSourceOptions) {
    this.instances = o.exporters ? new InstanceMap(o.exporters) : undefined;
    this.api = new PrometheusApi({ url: o.url, timeoutMs: o.timeoutMs, ...(o.http ? { http: o.http } : {}) });
  }

  /** CPU use is rate() over `rateWindow` of scrapes every `scrapeIntervalSeconds`. */
  get cpuRateWindow(): RateWindow {
    return {
      scrapeIntervalSeconds: this.o.scrapeIntervalSeconds,
      rateWindowSeconds: promDurationSeconds(this.o.rateWindow),
    };
  }

  /** Refuses a result with more series than configured, naming the query. */
  private bounded<T>(name: string, rows: T[]): T[] {
    const max = this.o.maxSeries ?? Number.POSITIVE_INFINITY;
    if (rows.length > max)
      throw new TooManySeriesError(
        `Prometheus at ${this.o.url}: query ${name} returned ${rows.length} series (more than prometheus.maxSeries = ${max})`,
      );
    return rows;
  }

  private async run<T>(name: string, promql: string, work: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(`PromQL ${name}`, this.o.timeoutMs + 500, work());
    } catch (e) {
      if (e instanceof TooManySeriesError) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new MetricsSourceError(`Prometheus at ${this.o.url}: query ${name} (${promql}) failed: ${why}`, {
        cause: e,
      });
    }
  }

  /**
   * One range query outside a round (the live view's named queries, api/ui.ts): same
   * connection, deadline, series bound and error wording as a round's queries.
   */
  async range(
    name: string,
    promql: string,
    startMs: number,
    endMs: number,
    stepS: number,
  ): Promise<RangeSeries[]> {
    const timeout = `${Math.max(1, Math.floor(this.o.timeoutMs / 1000))}s`;
    return this.run(name, promql, async () =>
      this.bounded(name, await this.api.range(promql, startMs, endMs, stepS, timeout)),
    );
  }

  async observe(now: number): Promise<Observation> {
    const window = this.o.rateWindow;
    const timeout = `${Math.max(1, Math.floor(this.o.timeoutMs / 1000))}s`;
    const step = this.o.scrapeIntervalSeconds;
    const start = now - (this.o.historyPoints - 1) * step * 1000;
    const instant: BuildInput['instant'] = {};
    const range: BuildInput['range'] = {};
    const jobs: { name: string; done: Promise<void> }[] = [];
    const relabel = this.instances?.round();
    const hostsOf = <T extends { labels: Labels }>(name: string, rows: T[]): T[] =>
      relabel ? relabel.relabel(name, rows) : rows;
    for (const name of INSTANT) {
      const q = expandQuery(this.o.queries[name], { window });
      const done = this.run(name, q, async () =>
        this.bounded(name, hostsOf(name, await this.api.instant(q, now, timeout))),
      ).then((r) => {
        instant[name] = r;
      });
      jobs.push({ name, done });
    }
    for (const name of RANGE) {
      const q = expandQuery(this.o.queries[name], { window });
      const done = this.run(name, q, async () =>
        this.bounded(name, hostsOf(name, await this.api.range(q, start, now, step, timeout))),
      ).then((r) => {
        range[name] = r;
      });
      jobs.push({ name, done });
    }
    // The VMs' horizon history: one range query, not essential (without it a move's relief
    // assumes the present lasts the horizon).
    const horizon = horizonCpuQuery(this.o.queries, {
      now,
      horizonSeconds: this.o.horizonSeconds ?? DEFAULT_HORIZON_SECONDS,
      scrapeIntervalSeconds: step,
      rateWindowSeconds: parseDuration(window) / 1000,
    });
    let horizonSeries: RangeSeries[] = [];
    jobs.push({
      name: 'vmHorizonCpu',
      done: this.run('vmHorizonCpu', horizon.promql, async () =>
        this.bounded(
          'vmHorizonCpu',
          await this.api.range(horizon.promql, horizon.startMs, horizon.endMs, horizon.stepSeconds, timeout),
        ),
      ).then((r) => {
        horizonSeries = r;
      }),
    });
    const results = await Promise.allSettled(jobs.map((j) => j.done));
    const warnings: string[] = [];
    for (const [i, r] of results.entries()) {
      if (r.status !== 'rejected') continue;
      // Without an essential query nothing can be planned: the whole round is held.
      if (ESSENTIAL.has(jobs[i].name)) throw r.reason;
      warnings.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
    if (relabel) warnings.push(...relabel.warnings());

    const vms: Record<string, VmOverride> = {};
    const overrides = Object.entries(this.o.vms);
    await Promise.all(
      overrides.map(async ([vm, ov]) => {
        const one = async (q: string | undefined, what: string) => {
          if (!q) return undefined;
          const promql = expandQuery(q, { window, vm });
          const r = await this.run(`${what} of ${vm}`, promql, () =>
            this.api.instant(promql, now, timeout),
          ).catch(() => null);
          const first = r ? r[0] : undefined;
          return first?.value;
        };
        const [sli, requests, responses, responseTime] = await Promise.all([
          one(ov.sli?.query, 'SLI'),
          one(ov.requestsQuery, 'request rate'),
          one(ov.responsesQuery, 'throughput'),
          one(ov.responseTimeQuery, 'response time'),
        ]);
        vms[vm] = {
          ...(ov.workload ? { workload: ov.workload } : {}),
          ...(ov.sli
            ? { sli: { value: sli, target: ov.sli.target, higherIsBetter: ov.sli.higherIsBetter } }
            : {}),
          web: {
            ...(requests !== undefined ? { requestsPerSecond: requests } : {}),
            ...(responses !== undefined ? { throughputPerSecond: responses } : {}),
            ...(responseTime !== undefined ? { responseTimeSeconds: responseTime } : {}),
          },
        };
      }),
    );
    const obs = buildSnapshot({
      now,
      intervalSeconds: this.o.scrapeIntervalSeconds,
      staleIntervals: this.o.staleIntervals ?? DEFAULT_STALE_INTERVALS,
      instant,
      range,
      capacity: this.o.capacity,
      vms,
    });
    withHorizonCpu(obs.snapshot, horizonSeries, horizon);
    const maxHosts = this.o.maxHosts ?? Number.POSITIVE_INFINITY;
    if (obs.snapshot.hosts.length > maxHosts)
      throw new TooManySeriesError(
        `Prometheus at ${this.o.url}: ${obs.snapshot.hosts.length} hosts (more than prometheus.maxHosts = ${maxHosts})`,
      );
    return warnings.length ? { ...obs, warnings } : obs;
  }
}
