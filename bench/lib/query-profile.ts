// Where a Prometheus snapshot's time goes, query by query (issue 15, `scale --profile`):
// each query of a round is sent alone (no contention between them) with `stats=all`, and
// timed in parts — Prometheus' own evaluation (its stats.timings), the answer's transfer
// (gzip on the wire, as the source asks for it), gunzip and JSON.parse in this process — plus
// the per-query Prometheus times of the real, concurrent rounds from its query log.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface QueryProfile {
  name: string;
  kind: 'instant' | 'range';
  series: number;
  /** Prometheus' evalTotalTime (preparation + inner evaluation + sort), ms. */
  eval_ms: number;
  /** Samples the query touched (stats.samples.totalQueryableSamples). */
  samples: number;
  /** Request sent → last byte received, ms (includes eval and Prometheus' JSON + gzip encoding). */
  wall_ms: number;
  wire_bytes: number;
  json_bytes: number;
  gunzip_ms: number;
  parse_ms: number;
}

interface StatsAnswer {
  data: {
    result: unknown[];
    stats?: { timings?: { evalTotalTime?: number }; samples?: { totalQueryableSamples?: number } };
  };
}

function get(url: URL): Promise<{ body: Buffer; ms: number; gzip: boolean }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { headers: { 'accept-encoding': 'gzip' }, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200)
          reject(new Error(`${url.pathname}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        else
          resolve({
            body: Buffer.concat(chunks),
            ms: performance.now() - t0,
            gzip: res.headers['content-encoding'] === 'gzip',
          });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url.pathname}: no answer within 120 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Runs each query alone, one after the other, at `nowMs` (range: `startMs`…`nowMs` every `stepS`). */
export async function profileQueries(
  promUrl: string,
  queries: { name: string; kind: 'instant' | 'range'; promql: string }[],
  nowMs: number,
  startMs: number,
  stepS: number,
): Promise<QueryProfile[]> {
  const out: QueryProfile[] = [];
  for (const q of queries) {
    const url = new URL(`${promUrl}/api/v1/${q.kind === 'instant' ? 'query' : 'query_range'}`);
    url.searchParams.set('query', q.promql);
    url.searchParams.set('stats', 'all');
    if (q.kind === 'instant') url.searchParams.set('time', String(nowMs / 1000));
    else {
      url.searchParams.set('start', String(startMs / 1000));
      url.searchParams.set('end', String(nowMs / 1000));
      url.searchParams.set('step', String(stepS));
    }
    const { body, ms, gzip } = await get(url);
    const g0 = performance.now();
    const text = (gzip ? gunzipSync(body) : body).toString('utf8');
    const p0 = performance.now();
    const answer = JSON.parse(text) as StatsAnswer;
    const p1 = performance.now();
    out.push({
      name: q.name,
      kind: q.kind,
      series: answer.data.result.length,
      eval_ms: Math.round((answer.data.stats?.timings?.evalTotalTime ?? NaN) * 1000),
      samples: answer.data.stats?.samples?.totalQueryableSamples ?? NaN,
      wall_ms: Math.round(ms),
      wire_bytes: body.length,
      json_bytes: Buffer.byteLength(text),
      gunzip_ms: Math.round(p0 - g0),
      parse_ms: Math.round(p1 - p0),
    });
  }
  return out;
}

/** Per query of the query log: how often, and the median execTotalTime / execQueueTime, ms. */
export function queryLogTimes(
  file: string,
): Map<string, { count: number; exec_ms: number; queue_ms: number; eval_ms: number }> {
  const by = new Map<string, { exec: number[]; queue: number[]; evalT: number[] }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      params?: { query?: string };
      stats?: { timings?: { execTotalTime?: number; execQueueTime?: number; evalTotalTime?: number } };
    };
    const q = e.params?.query;
    const t = e.stats?.timings;
    if (!q || !t) continue;
    const x = by.get(q) ?? { exec: [], queue: [], evalT: [] };
    x.exec.push((t.execTotalTime ?? NaN) * 1000);
    x.queue.push((t.execQueueTime ?? NaN) * 1000);
    x.evalT.push((t.evalTotalTime ?? NaN) * 1000);
    by.set(q, x);
  }
  const med = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
  return new Map(
    [...by].map(([q, x]) => [
      q,
      { count: x.exec.length, exec_ms: med(x.exec), queue_ms: med(x.queue), eval_ms: med(x.evalT) },
    ]),
  );
}
