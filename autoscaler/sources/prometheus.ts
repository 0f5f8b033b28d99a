// Prometheus metrics source: one snapshot per round from instant and range queries (all in
// parallel, each with a deadline). prometheus-query rejects with plain objects, not Errors:
// every rejection is wrapped into a MetricsSourceError naming the query.
import { PrometheusDriver, type QueryResult } from 'prometheus-query';
import { withDeadline } from '../../core/hypervisor/errors';
import type { HttpClientOptions } from '../../core/web/http-client';
import { DEFAULT_STALE_INTERVALS } from '../../core/model/staleness';
import { expandQuery, type QueryName } from '../config/queries';
import {
  buildSnapshot,
  type BuildInput,
  type InstantName,
  type InstantSample,
  type Labels,
  type RangeName,
  type RangeSeries,
  type VmOverride,
} from './build-snapshot';
import { InstanceMap } from './instance-map';
import { MetricsSourceError, TooManySeriesError, type MetricsSource, type Observation } from './source';

/** Largest answer read from Prometheus (axios stops reading beyond it): memory stays bounded. */
export const MAX_RESPONSE_BYTES = 64 * 2 ** 20;

export interface PrometheusSourceOptions {
  url: string;
  /** Basic auth / bearer token / TLS of the connection (core/web/http-client.ts). */
  http?: HttpClientOptions;
  timeoutMs: number;
  scrapeIntervalSeconds: number;
  historyPoints: number;
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

/** Describes whatever prometheus-query rejected with (axios error object, API error, Error). */
export function describePromError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const parts: string[] = [];
    for (const v of [o.errorType, o.error, o.message, o.code]) {
      // Skip repeats ("connect ECONNREFUSED …" already names the code) and empty values.
      if (
        (typeof v === 'string' || typeof v === 'number') &&
        String(v) !== '' &&
        !parts.some((p) => p.includes(String(v)))
      ) {
        parts.push(String(v));
      }
    }
    if (parts.length) return parts.join(': ');
    try {
      return JSON.stringify(e);
    } catch {
      return String(e);
    }
  }
  return String(e);
}

function labelsOf(metric: unknown): Labels {
  const l = (metric as { labels?: Record<string, unknown> } | undefined)?.labels ?? {};
  return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, String(v)]));
}

/** An answer of the wrong shape (a broken proxy, a fake server): said plainly, not as a TypeError. */
class MalformedAnswer extends Error {}

function rowsOf<T>(r: QueryResult, field: 'value' | 'values'): T[] {
  const rows: unknown = (r as { result?: unknown } | undefined)?.result;
  if (!Array.isArray(rows)) throw new MalformedAnswer('malformed answer: the result is not a list of series');
  for (const row of rows as unknown[]) {
    const v = (row as Record<string, unknown> | null)?.[field];
    const ok =
      field === 'value'
        ? typeof v === 'object' && v !== null && (v as { time?: unknown }).time instanceof Date
        : Array.isArray(v) && v.every((p) => (p as { time?: unknown } | null)?.time instanceof Date);
    if (!ok)
      throw new MalformedAnswer(
        `malformed answer: a series without ${field === 'value' ? 'a sample' : 'a list of samples'}`,
      );
  }
  return rows as T[];
}

function toInstant(r: QueryResult): InstantSample[] {
  const rows = rowsOf<{ metric: unknown; value: { time: Date; value: number } }>(r, 'value');
  return rows.map((row) => ({
    labels: labelsOf(row.metric),
    value: Number(row.value.value),
    timeMs: row.value.time.getTime(),
  }));
}

function toRange(r: QueryResult): RangeSeries[] {
  const rows = rowsOf<{ metric: unknown; values: { time: Date; value: number }[] }>(r, 'values');
  return rows.map((row) => ({
    labels: labelsOf(row.metric),
    points: row.values.map((v) => [v.time.getTime(), Number(v.value)] as [number, number]),
  }));
}

export class PrometheusSource implements MetricsSource {
  private readonly driver: PrometheusDriver;
  private readonly instances: InstanceMap | undefined;

  constructor(private readonly o: PrometheusSourceOptions) {
    this.instances = o.exporters ? new InstanceMap(o.exporters) : undefined;
    this.driver = new PrometheusDriver({
      endpoint: o.url.replace(/\/+$/, ''),
      baseURL: '/api/v1',
      ...(o.http?.auth ? { auth: o.http.auth } : {}),
      ...(o.http?.headers ? { headers: o.http.headers } : {}),
      timeout: o.timeoutMs,
      requestInterceptor: {
        onFulfilled: (c) => {
          if (o.http?.httpsAgent) c.httpsAgent = o.http.httpsAgent;
          c.maxContentLength = MAX_RESPONSE_BYTES;
          return c;
        },
      },
      // prometheus-query turns an HTTP error without a Prometheus body (a 401 from a
      // Prometheus behind --web.config.file) into "unexpected client error": say what it was.
      responseInterceptor: {
        onFulfilled: (r) => r,
        onRejected: (e: { response?: { status?: number } }) => {
          const status = e?.response?.status;
          if (status === 401 || status === 403)
            return Promise.reject({
              message: `HTTP ${status} from Prometheus (check prometheus.http credentials)`,
              code: `HTTP_${status}`,
            });
          return Promise.reject(e);
        },
      },
    });
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
      // prometheus-query reads the answer itself: a body of the wrong shape surfaces as a
      // TypeError ("data.result.map is not a function"), which tells an operator nothing.
      const why =
        e instanceof TypeError || e instanceof SyntaxError
          ? 'malformed answer: not a Prometheus query result'
          : describePromError(e);
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
      this.bounded(name, toRange(await this.driver.rangeQuery(promql, startMs, endMs, stepS, timeout))),
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
        this.bounded(name, hostsOf(name, toInstant(await this.driver.instantQuery(q, now, timeout)))),
      ).then((r) => {
        instant[name] = r;
      });
      jobs.push({ name, done });
    }
    for (const name of RANGE) {
      const q = expandQuery(this.o.queries[name], { window });
      const done = this.run(name, q, async () =>
        this.bounded(
          name,
          hostsOf(name, toRange(await this.driver.rangeQuery(q, start, now, step, timeout))),
        ),
      ).then((r) => {
        range[name] = r;
      });
      jobs.push({ name, done });
    }
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
          const r = await this.run(`${what} of ${vm}`, promql, async () =>
            toInstant(await this.driver.instantQuery(promql, now, timeout)),
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
    const maxHosts = this.o.maxHosts ?? Number.POSITIVE_INFINITY;
    if (obs.snapshot.hosts.length > maxHosts)
      throw new TooManySeriesError(
        `Prometheus at ${this.o.url}: ${obs.snapshot.hosts.length} hosts (more than prometheus.maxHosts = ${maxHosts})`,
      );
    return warnings.length ? { ...obs, warnings } : obs;
  }
}
