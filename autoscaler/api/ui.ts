// The live view (`/ui/`): a page that mounts the *built* Grafana panel plugin
// (grafana-plugin/dist, the code Grafana loads) on this service's own data, read-only. It
// is served by the API's web server, so it sits behind the same basic auth / TLS
// (`--web.config.file`) and is same-origin with the data it reads:
// - `GET /ui/…` the page (grafana-plugin/live/dist) and `/ui/plugin/…` the plugin build;
// - `GET /api/v1/ui/range?name=&from=&to=` a range query to the configured Prometheus,
//   one of a fixed set of named queries — VM points, memory, migration progress, service
//   level, priority (never arbitrary PromQL: the page needs no more,
//   and the API must not become an open proxy to every series Prometheus holds).
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { VM_PRIORITY_METRIC, VM_SERVICE_LEVEL_METRIC } from '../service/level-metrics';
import { MIGRATION_REMAINING_METRIC, VM_POINTS_METRIC } from '../service/metrics';
import { issuesText } from './queries';

/** The named range queries the page may run, and what it uses them for. */
export const UI_QUERY_NAMES = ['points', 'memory', 'migrationRemaining', 'serviceLevel', 'priority'] as const;
export type UiQueryName = (typeof UI_QUERY_NAMES)[number];

/** The named queries that read this service's own metrics: the same PromQL everywhere. */
export const OWN_METRIC_QUERIES: Readonly<Record<Exclude<UiQueryName, 'memory'>, string>> = {
  points: VM_POINTS_METRIC,
  migrationRemaining: MIGRATION_REMAINING_METRIC,
  serviceLevel: VM_SERVICE_LEVEL_METRIC,
  priority: VM_PRIORITY_METRIC,
};

/** One series of a range answer: its labels and samples (times in ms since the epoch). */
export interface UiSeries {
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

export interface UiDeps {
  /**
   * PromQL of the named queries that depend on the config (`memory`, the operator's
   * configured query); the others default to OWN_METRIC_QUERIES.
   */
  queries: { memory: string } & Partial<Record<UiQueryName, string>>;
  /** Runs a range query (seconds since the epoch, step in seconds) with its deadline. */
  rangeQuery(query: string, startS: number, endS: number, stepS: number): Promise<UiSeries[]>;
  /** The built page and plugin; undefined when they were not built (the page says how). */
  dirs?: UiDirs;
}

export interface UiDirs {
  page: string;
  plugin: string;
}

/** Longest range the page may ask for, and most samples per series. */
const MAX_SPAN_S = 7 * 24 * 3600;
const MAX_POINTS = 500;

const seconds = z.coerce.number().finite().nonnegative();
export const uiRangeQuerySchema = z
  .object({ name: z.enum(UI_QUERY_NAMES), from: seconds, to: seconds })
  .strict()
  .refine((q) => q.from < q.to, { message: '"from" must be before "to"', path: ['from'] })
  .refine((q) => q.to - q.from <= MAX_SPAN_S, { message: `range longer than ${MAX_SPAN_S} s`, path: ['to'] });

/** Step of a range query: at most MAX_POINTS samples, never below one second (pure). */
export function rangeStepSeconds(fromS: number, toS: number): number {
  return Math.max(1, Math.ceil((toS - fromS) / MAX_POINTS));
}

/** The repository's built page and plugin, found by walking up from this file (sources and dist/ alike). */
export function findUiDirs(start = __dirname): UiDirs | undefined {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const plugin = path.join(dir, 'grafana-plugin');
    if (!existsSync(path.join(plugin, 'package.json'))) continue;
    const dirs = { page: path.join(plugin, 'live', 'dist'), plugin: path.join(plugin, 'dist') };
    return existsSync(path.join(dirs.page, 'index.html')) && existsSync(path.join(dirs.plugin, 'module.js'))
      ? dirs
      : undefined;
  }
  return undefined;
}

const NOT_BUILT =
  'the live view is not built: run `npm run setup -- --ui` (or `npm --prefix grafana-plugin run build:all`) and restart';

/** Mounts `/ui/` and `/api/v1/ui/range` on the API. */
export function mountUi(app: express.Express, d: UiDeps): void {
  const queries: Record<UiQueryName, string> = { ...OWN_METRIC_QUERIES, ...d.queries };
  app.get('/api/v1/ui/range', async (req: Request, res: Response) => {
    const q = uiRangeQuerySchema.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: issuesText(q.error) });
      return;
    }
    const { name, from, to } = q.data;
    try {
      const series = await d.rangeQuery(queries[name], from, to, rangeStepSeconds(from, to));
      res.json({ name, series });
    } catch (e) {
      // Prometheus down or slow: the page shows the reason and keeps the last data.
      res.status(502).json({ error: `prometheus: ${e instanceof Error ? e.message : String(e)}` });
    }
  });
  if (!d.dirs) {
    app.use('/ui', (_req, res) => {
      res.status(503).type('text/plain').send(`${NOT_BUILT}\n`);
    });
    return;
  }
  // The page's assets are content-hashed by its build; index.html and the plugin are not.
  // express.static redirects /ui to /ui/ itself (its relative URLs need the slash).
  app.use('/ui/plugin', express.static(d.dirs.plugin, { index: false, maxAge: 0 }));
  app.use('/ui', express.static(d.dirs.page, { index: 'index.html', maxAge: 0 }));
}
