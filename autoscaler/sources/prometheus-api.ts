// The two Prometheus query endpoints the autoscaler reads (/api/v1/query and
// /api/v1/query_range), read with axios and JSON.parse straight into the source's samples.
// At 10,000 VMs a round reads ~450,000 samples: a client library that makes an object and a
// Date of each cost about as much CPU as the rest of the round. Every failure rejects with a
// PrometheusApiError (an Error) whose message is one line an operator can act on.
import axios, { isAxiosError, type AxiosInstance } from 'axios';
import type { HttpClientOptions } from '../../core/web/http-client';
import type { InstantSample, Labels, RangeSeries } from './build-snapshot';

/** Largest answer read from Prometheus (axios stops reading beyond it): memory stays bounded. */
export const MAX_RESPONSE_BYTES = 64 * 2 ** 20;

export class PrometheusApiError extends Error {
  override readonly name = 'PrometheusApiError';
}

/** An answer of the wrong shape (a broken proxy, a fake server): said plainly, not as a TypeError. */
const malformed = (what: string) => new PrometheusApiError(`malformed answer: ${what}`);

export interface PrometheusApiOptions {
  /** Prometheus' URL, with any path prefix (`/api/v1` is added). */
  url: string;
  /** Basic auth / bearer token / extra headers / TLS (core/web/http-client.ts). */
  http?: HttpClientOptions;
  /** Deadline of one HTTP request. */
  timeoutMs: number;
}

/**
 * The Accept-Encoding asked of Prometheus at `url`: `identity` on loopback, where compression
 * saves no transfer time but costs CPU on both ends (measured at 10,000 VMs: Prometheus spends
 * about a fifth of a round's query CPU gzipping ~29 MiB of JSON, the autoscaler 0.4 s
 * gunzipping it); undefined elsewhere (axios' default, gzip and friends).
 */
export function acceptEncodingFor(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return loopback ? 'identity' : undefined;
}

/** The labels of a series (`metric`), without the metric name, as the source's Labels. */
function labelsOf(metric: unknown): Labels {
  if (metric === undefined || metric === null) return {};
  if (typeof metric !== 'object' || Array.isArray(metric))
    throw malformed('a series whose labels are not an object');
  const labels: Labels = {};
  for (const [k, v] of Object.entries(metric as Record<string, unknown>))
    if (k !== '__name__') labels[k] = typeof v === 'string' ? v : String(v);
  return labels;
}

/**
 * One sample [unix seconds, "value"] as [ms, value]: milliseconds truncated as a Date would
 * (new Date(s × 1000)), the value as parseFloat reads Prometheus' text ("+Inf" is NaN).
 */
function sampleOf(p: unknown): [number, number] {
  if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number')
    throw malformed('a sample that is not [time, value]');
  return [Math.trunc(p[0] * 1000), parseFloat(String(p[1]))];
}

/** `data.result` of a successful answer, checked to be a list of the expected result type. */
function resultOf(data: unknown, resultType: 'vector' | 'matrix'): unknown[] {
  const d = data as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  if (d && typeof d === 'object' && d.status === 'error') {
    // A proxy may answer an error with HTTP 200.
    const e = d as { errorType?: unknown; error?: unknown };
    throw new PrometheusApiError(
      `${String(e.errorType ?? 'error')}: ${String(e.error ?? 'no reason given')}`,
    );
  }
  if (!d || typeof d !== 'object' || d.status !== 'success' || !d.data || typeof d.data !== 'object')
    throw malformed('not a Prometheus query result');
  if (!Array.isArray(d.data.result)) throw malformed('the result is not a list of series');
  if (d.data.resultType !== resultType)
    throw malformed(`a ${String(d.data.resultType)} result where a ${resultType} was expected`);
  return d.data.result;
}

function toInstant(rows: unknown[]): InstantSample[] {
  return rows.map((row) => {
    const r = row as { metric?: unknown; value?: unknown } | null;
    if (!r || typeof r !== 'object' || r.value === undefined) throw malformed('a series without a sample');
    const [timeMs, value] = sampleOf(r.value);
    return { labels: labelsOf(r.metric), value, timeMs };
  });
}

function toRange(rows: unknown[]): RangeSeries[] {
  return rows.map((row) => {
    const r = row as { metric?: unknown; values?: unknown } | null;
    if (!r || typeof r !== 'object' || !Array.isArray(r.values))
      throw malformed('a series without a list of samples');
    return { labels: labelsOf(r.metric), points: r.values.map(sampleOf) };
  });
}

/** One line for whatever the request failed with. */
function describe(e: unknown): string {
  if (!isAxiosError(e)) return e instanceof Error ? e.message : String(e);
  const status = e.response?.status;
  if (status === 401 || status === 403)
    return `HTTP ${status} from Prometheus (check prometheus.http credentials)`;
  if (e.response) {
    // Prometheus' own error body: {"status":"error","errorType":"bad_data","error":"…"}.
    const body = e.response.data as { errorType?: unknown; error?: unknown } | null;
    if (body && typeof body === 'object' && typeof body.error === 'string')
      return `${typeof body.errorType === 'string' ? `${body.errorType}: ` : ''}${body.error}`;
    return `HTTP ${status ?? '?'} ${e.response.statusText ?? ''}`.trim();
  }
  const code = e.code ?? '';
  const kind =
    code === 'ECONNABORTED' || code === 'ETIMEDOUT'
      ? 'timeout_error'
      : code.startsWith('ERR_SSL')
        ? 'ssl_error'
        : 'network_error';
  return `${kind}: ${e.message}`;
}

export class PrometheusApi {
  private readonly client: AxiosInstance;

  constructor(o: PrometheusApiOptions) {
    const http = o.http ?? {};
    // A configured Accept-Encoding wins (an operator may want gzip through a local proxy).
    const own = Object.keys(http.headers ?? {}).some((k) => k.toLowerCase() === 'accept-encoding');
    const encoding = own ? undefined : acceptEncodingFor(o.url);
    const headers = { ...(encoding ? { 'Accept-Encoding': encoding } : {}), ...http.headers };
    this.client = axios.create({
      baseURL: `${o.url.replace(/\/+$/, '')}/api/v1/`,
      timeout: o.timeoutMs,
      maxContentLength: MAX_RESPONSE_BYTES,
      ...(http.auth ? { auth: http.auth } : {}),
      ...(Object.keys(headers).length ? { headers } : {}),
      ...(http.httpsAgent ? { httpsAgent: http.httpsAgent } : {}),
    });
  }

  private async get(path: string, params: Record<string, string>): Promise<unknown> {
    try {
      return (await this.client.get<unknown>(path, { params })).data;
    } catch (e) {
      throw new PrometheusApiError(describe(e), { cause: e });
    }
  }

  /**
   * Prometheus' own parse and type check of one query, without running it:
   * /api/v1/format_query (Prometheus ≥ 2.42, Debian 12's), else /api/v1/parse_query (newer
   * ones may offer only that). Undefined when the query is valid, else Prometheus' reason.
   * Rejects (PrometheusApiError) when Prometheus cannot be asked.
   */
  async queryError(query: string): Promise<string | undefined> {
    for (const path of ['format_query', 'parse_query']) {
      try {
        await this.client.get<unknown>(path, { params: { query } });
        return undefined;
      } catch (e) {
        if (isAxiosError(e) && e.response?.status === 404) continue;
        if (isAxiosError(e) && e.response?.status === 400)
          return describe(e).replace(/^bad_data: invalid parameter "query": /, '');
        throw new PrometheusApiError(describe(e), { cause: e });
      }
    }
    throw new PrometheusApiError(
      'it answers neither /api/v1/format_query nor /api/v1/parse_query (Prometheus older than 2.42?)',
    );
  }

  /** An instant query at `timeMs`; `timeout` is Prometheus' own evaluation limit ("30s"). */
  async instant(query: string, timeMs: number, timeout: string): Promise<InstantSample[]> {
    const data = await this.get('query', { query, time: String(timeMs / 1000), timeout });
    return toInstant(resultOf(data, 'vector'));
  }

  /** A range query from `startMs` to `endMs` every `stepS` seconds. */
  async range(
    query: string,
    startMs: number,
    endMs: number,
    stepS: number,
    timeout: string,
  ): Promise<RangeSeries[]> {
    const data = await this.get('query_range', {
      query,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: String(stepS),
      timeout,
    });
    return toRange(resultOf(data, 'matrix'));
  }
}
