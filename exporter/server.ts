// The exporter as a library: `createExporter` (collect without HTTP) and `startExporter`
// (express: `/` landing page, the telemetry path `/metrics`, `/healthz`, served by the
// shared web server of core/web/server.ts: TLS, basic auth, gzip, connection limits). Used
// by `vmpilot exporter` and embedded by the autoscaler's demo.
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ListenAddress } from '../core/web/listen-address';
import { registerSelfMetrics } from '../core/metrics/self-metrics';
import { startWebServer, type ConnectionLimits } from '../core/web/server';
import { parseHypervisorUri, type ConnectOptions } from '../core/hypervisor/connect';
import type { HypervisorPort, StatGroup } from '../core/hypervisor/port';
import { COLLECTORS, selectCollectors } from './collectors';
import { renderFamilies, type MetricFamily } from './metrics';
import { Scraper } from './scrape';
import { FixedTarget, ReconnectingTarget, type Target } from './targets';

export const DEFAULT_DEADLINE_MS = 5000;
/**
 * Stat groups that may move off the scrape path. Measured on real TCG domains (see
 * exporter/README.md): cpu-total, balloon, block, vcpu and dirtyrate cost 1–5 ms per domain
 * (cgroup reads, a QEMU monitor round trip); interface 0.25 ms per domain (libvirt re-reads
 * /proc/net/dev for every interface); state and perf microseconds. Only the last two stay
 * on the scrape path of a slow host.
 */
export const DEFAULT_BACKGROUND_GROUPS: readonly StatGroup[] = [
  'cpu',
  'balloon',
  'block',
  'vcpu',
  'net',
  'dirtyrate',
];
/** 0: one background read after each scrape (same libvirtd load as reading inline). */
export const DEFAULT_BACKGROUND_INTERVAL_MS = 0;
/** An inline read slower than this moves a host's slow groups to the background. */
export const DEFAULT_SLOW_READ_MS = 100;

export interface ExporterOptions {
  /** An open port (the caller owns it). Either this or `connect`. */
  hypervisor?: HypervisorPort;
  /** URIs the exporter opens itself, each reconnected with back-off while unreachable. */
  connect?: readonly string[];
  portOptions?: ConnectOptions;
  deadlineMs?: number;
  logger?: Logger;
  /** Enabled collectors by name (default: every default-enabled collector). */
  collectors?: string[];
  /** Slow stat groups read in the background ([] = everything on the scrape path). */
  backgroundGroups?: readonly StatGroup[];
  backgroundIntervalMs?: number;
  /** Inline reads slower than this move the slow groups to the background (Infinity = never). */
  slowReadMs?: number;
  /** Wall clock for timestamps (tests). */
  now?: () => number;
  /**
   * After each scrape, hand the memory libvirt's calls freed back to the kernel
   * (malloc_trim; see core/libvirt/ffi.ts). Default true; only acts when a libvirt URI is
   * scraped.
   */
  releaseNativeMemory?: boolean;
}

/** Whether any of these URIs (or space-separated URI lists of aggregated ports) is libvirt. */
function scrapesLibvirt(uris: readonly string[]): boolean {
  return uris
    .flatMap((u) => u.split(' '))
    .some((u) => {
      try {
        return parseHypervisorUri(u).kind === 'libvirt';
      } catch {
        return false;
      }
    });
}

export interface Exporter {
  /** Every family of one scrape (collector output plus the exporter's own metrics). */
  collect(): Promise<MetricFamily[]>;
  /** One scrape as Prometheus text. */
  metrics(): Promise<string>;
  readonly scraper: Scraper;
  close(): Promise<void>;
}

export async function createExporter(opts: ExporterOptions): Promise<Exporter> {
  const collectors = selectCollectors(opts.collectors);
  const targets: Target[] = [];
  if (opts.hypervisor) targets.push(new FixedTarget(opts.hypervisor));
  const reconnecting = (opts.connect ?? []).map(
    (uri) => new ReconnectingTarget(uri, { portOptions: opts.portOptions, logger: opts.logger }),
  );
  targets.push(...reconnecting);
  if (targets.length === 0)
    throw new Error('exporter needs a hypervisor port or at least one URI to connect');
  await Promise.all(reconnecting.map((t) => t.start()));
  const scraper = new Scraper({
    targets,
    collectors,
    deadlineMs: opts.deadlineMs ?? DEFAULT_DEADLINE_MS,
    background: {
      groups: opts.backgroundGroups ?? DEFAULT_BACKGROUND_GROUPS,
      intervalMs: opts.backgroundIntervalMs ?? DEFAULT_BACKGROUND_INTERVAL_MS,
      slowMs: opts.slowReadMs ?? DEFAULT_SLOW_READ_MS,
    },
    logger: opts.logger,
    now: opts.now,
  });
  // The exporter's own process metrics (RSS, heap, event-loop lag) and build info.
  const self = new Registry();
  registerSelfMetrics(self, 'exporter');
  const uris = [...(opts.connect ?? []), ...(opts.hypervisor ? [opts.hypervisor.uri] : [])];
  const trim =
    (opts.releaseNativeMemory ?? true) && scrapesLibvirt(uris)
      ? async () => (await import('../core/libvirt/ffi.js')).trimNativeHeap()
      : undefined;
  let trimming = false;
  const releaseNativeMemory = () => {
    if (!trim || trimming) return;
    trimming = true;
    trim()
      .catch((e: unknown) => opts.logger?.debug({ err: String(e) }, 'malloc_trim failed'))
      .finally(() => (trimming = false));
  };
  return {
    scraper,
    collect: () => scraper.collect(),
    async metrics() {
      const [families, own] = await Promise.all([
        scraper.collect(),
        self.metrics().catch(() => ''), // never fail a scrape for the exporter's own metrics
      ]);
      const text = renderFamilies(families) + own;
      // After the answer is on its way: the scrape's native garbage is freed by now.
      setImmediate(releaseNativeMemory);
      return text;
    },
    async close() {
      await Promise.all(targets.map((t) => t.close()));
    },
  };
}

export interface StartExporterOptions extends ExporterOptions {
  /** Addresses to bind (port 0 = a free port); one server each. */
  listen: ListenAddress | readonly ListenAddress[];
  /** `--web.config.file` (exporter-toolkit format): TLS, basic auth, headers. */
  webConfigFile?: string;
  /** Path of the metrics (default /metrics). */
  telemetryPath?: string;
  limits?: Partial<ConnectionLimits>;
}

export interface RunningExporter {
  /** Base URL of the first address. */
  url: string;
  urls: string[];
  port: number;
  /** Full URL of the metrics on the first address. */
  metricsUrl: string;
  exporter: Exporter;
  /** Re-reads the web config file (SIGHUP); throws and keeps the old one when it is invalid. */
  reloadWebConfig(): void;
  close(): Promise<void>;
}

function landingPage(collectorNames: string[], telemetryPath: string): string {
  const items = COLLECTORS.map(
    (c) =>
      `<li><code>${c.name}</code> ${collectorNames.includes(c.name) ? '' : '(disabled) '}— ${c.description}</li>`,
  ).join('\n');
  const metricsHref = telemetryPath.replace(/^\//, '');
  return `<!doctype html>
<html><head><title>vmpilot exporter</title></head>
<body>
<h1>vmpilot exporter</h1>
<p>Per-VM and per-host metrics of libvirt / simulated hosts for Prometheus.</p>
<ul><li><a href="${metricsHref}">${telemetryPath}</a></li><li><a href="healthz">/healthz</a></li></ul>
<h2>Collectors</h2>
<ul>
${items}
</ul>
</body></html>
`;
}

/** Starts the HTTP server(s); rejects with a one-line error when an address cannot be bound. */
export async function startExporter(opts: StartExporterOptions): Promise<RunningExporter> {
  const telemetryPath = opts.telemetryPath ?? '/metrics';
  if (!telemetryPath.startsWith('/'))
    throw new Error(`--web.telemetry-path "${telemetryPath}" must start with /`);
  const exporter = await createExporter(opts);
  const enabled = selectCollectors(opts.collectors).map((c) => c.name);
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.type('html').send(landingPage(enabled, telemetryPath));
  });
  app.get('/healthz', (_req, res) => {
    res.type('text').send('ok\n');
  });
  app.get(telemetryPath, async (_req, res) => {
    try {
      const body = await exporter.metrics();
      res.type('text/plain; version=0.0.4; charset=utf-8').send(body);
    } catch (e) {
      // Collectors are guarded; reaching this means a bug in the exporter itself.
      opts.logger?.error({ err: e instanceof Error ? e.message : String(e) }, 'scrape failed');
      res
        .status(500)
        .type('text')
        .send(`scrape failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  });
  let web;
  try {
    web = await startWebServer(app, {
      addresses: Array.isArray(opts.listen) ? opts.listen : [opts.listen as ListenAddress],
      ...(opts.webConfigFile ? { webConfigFile: opts.webConfigFile } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
    });
  } catch (e) {
    await exporter.close();
    throw e;
  }
  const url = web.urls[0];
  opts.logger?.info(
    {
      urls: web.urls.map((u) => `${u}${telemetryPath}`).join(' '),
      tls: web.tls,
      collectors: enabled.join(','),
    },
    'exporter listening',
  );
  return {
    url,
    urls: web.urls,
    port: (web.servers[0].address() as AddressInfo).port,
    metricsUrl: `${url}${telemetryPath}`,
    exporter,
    reloadWebConfig: () => web.reload(),
    async close() {
      await web.close();
      await exporter.close();
    },
  };
}
