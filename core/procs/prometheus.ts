// Starts Debian's `prometheus` binary on 127.0.0.1 with a generated config, for the demo
// and for tests. Waits for /-/ready within a deadline; stop() kills its process group.
// Restarting on the same port and dataDir works (the TSDB lock is released on stop).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon } from './daemon';

export const PROMETHEUS_NOT_FOUND = 'prometheus not found: apt-get install prometheus';

export interface PrometheusOptions {
  /** host:port of each target scraped at /metrics (job "vmpilot"). */
  scrapeTargets: string[];
  scrapeIntervalSeconds?: number;
  /** 0 or undefined = a free port is probed. */
  port?: number;
  /** TSDB directory; default a temp dir removed on stop. A given dir is kept. */
  dataDir?: string;
  ruleFiles?: string[];
  extraArgs?: string[];
  /** Deadline for /-/ready (default 30 s). */
  readyTimeoutMs?: number;
  /** Path of the binary (default: `prometheus` on PATH). */
  binary?: string;
  /** More jobs under scrape_configs, as YAML list items (`  - job_name: …`). */
  extraScrapeConfigs?: string;
  /** `global.query_log_file`: every PromQL query Prometheus answers, one JSON line each. */
  queryLogFile?: string;
  /** Headers of the readiness probe (Prometheus behind its own --web.config.file). */
  readyHeaders?: Record<string, string>;
  /**
   * `--web.route-prefix` (e.g. `/prom`): Prometheus serves everything under it, as behind a
   * path-routing proxy; `url` and the readiness probe include it.
   */
  routePrefix?: string;
}

export interface RunningPrometheus {
  /** Base URL of its HTTP API, with the route prefix if any. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The prometheus.yml for `opts` (pure). */
export function prometheusConfig(
  opts: Pick<
    PrometheusOptions,
    'scrapeTargets' | 'scrapeIntervalSeconds' | 'ruleFiles' | 'extraScrapeConfigs' | 'queryLogFile'
  >,
): string {
  const interval = `${opts.scrapeIntervalSeconds ?? 5}s`;
  const lines = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    ...(opts.queryLogFile ? [`  query_log_file: ${JSON.stringify(opts.queryLogFile)}`] : []),
    ...(opts.ruleFiles?.length
      ? ['rule_files:', ...opts.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)]
      : []),
    'scrape_configs:',
    '  - job_name: vmpilot',
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: [${opts.scrapeTargets.map((t) => JSON.stringify(t)).join(', ')}]`,
    ...(opts.extraScrapeConfigs ? [opts.extraScrapeConfigs.replace(/\n$/, '')] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = opts.binary ?? findBinary('prometheus');
  if (!binary || !existsSync(binary)) throw new Error(PROMETHEUS_NOT_FOUND);
  const port = opts.port || (await freePort());
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'vmpilot-prometheus-'));
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(opts));
  const prefix = (opts.routePrefix ?? '').replace(/\/+$/, '');
  if (prefix && !prefix.startsWith('/'))
    throw new Error(`routePrefix must start with "/": ${opts.routePrefix}`);
  const url = `http://127.0.0.1:${port}${prefix}`;
  const { stop } = await startDaemon({
    name: 'prometheus',
    binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dataDir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...(prefix ? [`--web.route-prefix=${prefix}`] : []),
      ...(opts.extraArgs ?? []),
    ],
    url,
    readyTimeoutMs: opts.readyTimeoutMs,
    ...(opts.readyHeaders ? { readyHeaders: opts.readyHeaders } : {}),
    afterStop: () => {
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
  return { url, port, dataDir, stop };
}
