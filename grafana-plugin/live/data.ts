// Reads the autoscaler this page is served by (same origin, so its basic auth / TLS
// apply): the named Prometheus range queries through GET /api/v1/ui/range and the events
// through GET /api/v1/events (every page). Each request has a deadline.
import type { DataFrame } from '@grafana/data';
import { eventsFrame, rangeFrames, type RangeSeries } from './frames';

const TIMEOUT_MS = 10_000;
/** The API root, relative to the page (/ui/ → /), so a path prefix in front of the service works. */
const apiUrl = (p: string) => new URL(`../api/v1/${p}`, window.location.href).href;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), credentials: 'same-origin' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(`${new URL(url).pathname}: HTTP ${res.status}${body.error ? ` — ${body.error}` : ''}`);
  }
  return (await res.json()) as T;
}

/** The named queries of autoscaler/api/ui.ts; each name is also its frames' refId (the panel options' defaults). */
export const RANGE_QUERIES = ['points', 'memory', 'migrationRemaining', 'serviceLevel', 'priority'] as const;

async function range(name: (typeof RANGE_QUERIES)[number], fromMs: number, toMs: number): Promise<DataFrame[]> {
  const q = new URLSearchParams({ name, from: String(fromMs / 1000), to: String(toMs / 1000) });
  const r = await getJson<{ series: RangeSeries[] }>(apiUrl(`ui/range?${q}`));
  return rangeFrames(name, r.series);
}

async function events(fromMs: number, toMs: number): Promise<DataFrame> {
  const all: Array<Record<string, unknown>> = [];
  const q = new URLSearchParams({ from: String(fromMs / 1000), to: String(toMs / 1000), limit: '1000' });
  let url: string | null = apiUrl(`events?${q}`);
  // A bounded number of pages: 20,000 events is more than a panel can show.
  for (let page = 0; url !== null && page < 20; page++) {
    const r: { events: Array<Record<string, unknown>>; next: string | null } = await getJson(url);
    all.push(...r.events);
    url = r.next === null ? null : new URL(r.next, url).href;
  }
  return eventsFrame('events', all);
}

/** Every frame the panels need for the time range: the named range queries and the events. */
export async function readAll(fromMs: number, toMs: number): Promise<DataFrame[]> {
  const parts = await Promise.all([
    ...RANGE_QUERIES.map((n) => range(n, fromMs, toMs)),
    events(fromMs, toMs).then((f) => [f]),
  ]);
  return parts.flat();
}
