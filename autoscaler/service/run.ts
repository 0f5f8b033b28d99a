// Assembles the service from a validated config: journal (torn line cut, in-flight events
// reconciled against the hypervisors), hypervisor connections, optional in-process exporter,
// Prometheus source, loops and HTTP API. `vmpilot autoscaler` and `vmpilot demo` use it.
import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { TuningEvent } from '../../core/model/event';
import { AlertInbox } from '../alerts/inbox';
import { filePauseStore, pauseStateFileFor } from './pause-state';
import { acquireInstanceLock } from './instance-lock';
import { fileMaintenanceStore, maintenanceStateFileFor } from './maintenance-state';
import { PlanCache } from '../api/plan-cache';
import { createApi } from '../api/server';
import { sdTargetGroups } from '../api/sd';
import { findUiDirs, type UiDeps } from '../api/ui';
import { expandQuery } from '../config/queries';
import type { ListenAddress } from '../../core/web/listen-address';
import { startWebServer } from '../../core/web/server';
import { httpClientOptions } from '../../core/web/http-client';
import { changedSettings, effectiveConfig, type ReloadOutcome } from './reload';
import type { LoadedConfig } from '../config/load';
import { rateWindowOf, splitListen } from '../config/schema';
import { configWarnings } from '../config/semantics';
import type { DurableJournal } from '../journal/event-log';
import { Journal } from '../journal/journal';
import { ProfileStore, profilesFileFor } from './profile-store';
import { openHa, type HaRuntime } from '../leader/ha';
import { quarantineFileOf } from '../journal/segments';
import { reconcileJournal, reconcileOpenUntilAnswered, type ReconcileOutcome } from '../journal/reconcile';
import { definitionsDirFor, FileDefinitionStore } from '../failover/definitions';
import path from 'node:path';
import { PrometheusSource } from '../sources/prometheus';
import type { MetricsSource } from '../sources/source';
import { MIGRATION_REMAINING_METRIC, ServiceMetrics, VM_POINTS_METRIC } from './metrics';
import { AutoscalerService, type RoundReport } from './service';
import { warnIfNoneReachable } from './reachability';

export interface RunningAutoscaler {
  service: AutoscalerService;
  port: HypervisorPort;
  apiUrl: string;
  exporterUrl?: string;
  /** Closed at start (file journal); with leader election, at each takeover instead. */
  reconciled: ReconcileOutcome[];
  journal: DurableJournal;
  /** With `leader.etcd`: the election (which autoscaler acts). */
  ha?: HaRuntime;
  /** Graceful stop: loops, action in flight (bounded by graceMs), API, exporter, connections. */
  stop(graceMs?: number): Promise<void>;
  /**
   * SIGHUP: reads the config with `read` and applies what can change while running (the
   * restart-only settings keep their running values); throws, changing nothing, on a bad
   * file (vmpilot_autoscaler_config_last_reload_successful 0).
   */
  reload(read: () => LoadedConfig): ReloadOutcome;
}

export interface StartOptions {
  log?: Logger;
  /** An already open hypervisor port (the demo opens the simulator itself). */
  port?: HypervisorPort;
  /** Replaces the Prometheus source (tests: in-memory source). */
  source?: MetricsSource;
  onEvent?: (ev: TuningEvent) => void;
  onRound?: (r: RoundReport) => void;
  /** Do not start the loops (plan-only use). */
  noLoops?: boolean;
  /** Web flags of `vmpilot autoscaler` (override the config's `listen`). */
  web?: {
    addresses?: readonly ListenAddress[];
    /** `--web.config.file` (exporter-toolkit format), for the API and the in-process exporter. */
    configFile?: string;
    telemetryPath?: string;
    maxConnections?: number;
  };
}

/** Reads the bearer token file; a missing or empty file is an error naming the file. */
export function readToken(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(`authTokenFile ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (token === '') throw new Error(`authTokenFile ${file} is empty`);
  return token;
}

export function sourceFromConfig(cfg: LoadedConfig): PrometheusSource {
  return new PrometheusSource({
    url: cfg.prometheus.url,
    http: httpClientOptions(cfg.prometheus.http, cfg.baseDir),
    timeoutMs: cfg.prometheus.timeoutSeconds * 1000,
    scrapeIntervalSeconds: cfg.prometheus.scrapeIntervalSeconds,
    historyPoints: cfg.prometheus.historyPoints,
    horizonSeconds: cfg.planner.migration.horizonSeconds,
    rateWindow: rateWindowOf(cfg),
    queries: cfg.prometheus.queries,
    capacity: cfg.capacity,
    vms: cfg.vms,
    staleIntervals: cfg.planner.staleIntervals,
    maxSeries: cfg.prometheus.maxSeries,
    maxHosts: cfg.prometheus.maxHosts,
    ...(cfg.prometheus.exporters ? { exporters: cfg.prometheus.exporters } : {}),
  });
}

/** The live view's named range queries, read from the configured Prometheus (api/ui.ts); follows config reloads. */
function uiDeps(config: () => LoadedConfig): UiDeps {
  let source: { of: LoadedConfig; source: PrometheusSource } | undefined;
  const dirs = findUiDirs();
  return {
    get queries() {
      const cfg = config();
      return {
        points: VM_POINTS_METRIC,
        memory: expandQuery(cfg.prometheus.queries.vmMemoryMax, { window: rateWindowOf(cfg) }),
        migrationRemaining: MIGRATION_REMAINING_METRIC,
      };
    },
    rangeQuery: async (q, startS, endS, stepS) => {
      const cfg = config();
      if (source?.of !== cfg) source = { of: cfg, source: sourceFromConfig(cfg) };
      return (await source.source.range('ui', q, startS * 1000, endS * 1000, stepS)).map((r) => ({
        labels: r.labels,
        times: r.points.map((p) => p[0]),
        values: r.points.map((p) => p[1]),
      }));
    },
    ...(dirs ? { dirs } : {}),
  };
}

export async function startAutoscaler(
  cfg: LoadedConfig,
  opts: StartOptions = {},
): Promise<RunningAutoscaler> {
  const log = opts.log ?? pino({ name: 'vmpilot-autoscaler' }, pino.destination(2));
  for (const w of configWarnings(cfg)) log.warn({ config: 'warning' }, w);
  let token = readToken(cfg.authTokenFile);
  let current = cfg;
  const web = opts.web ?? {};
  const limits = web.maxConnections !== undefined ? { maxConnections: web.maxConnections } : {};
  const callTimeoutMs = cfg.applier.callTimeoutSeconds * 1000;
  const cleanups: (() => Promise<void>)[] = [];
  // Without leader election: one autoscaler per journal (its lock file, taken first and
  // released last), then the file journal, opened (torn line cut) before anything else.
  // With it, the etcd lease decides who acts.
  const lock = cfg.leader ? null : acquireInstanceLock(cfg.journal);
  if (lock) cleanups.push(async () => lock.release());
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  let opened: Journal | null;
  try {
    opened = cfg.leader ? null : openFileJournal(cfg, log);
  } catch (e) {
    await undo();
    throw e;
  }
  const fileJournal = opened;
  if (fileJournal) cleanups.push(async () => fileJournal.close());
  try {
    // A URI that cannot be connected does not stop the service: its hosts are held and it
    // is reconnected in the background (README "Unreachable hypervisors").
    const port =
      opts.port ??
      (await connectHypervisors(cfg.hypervisors, {
        defaultTimeoutMs: callTimeoutMs,
        speed: cfg.simulatorSpeed,
        reconnect: { connectTimeoutMs: callTimeoutMs },
        logger: log,
      }));
    if (!opts.port) cleanups.push(() => port.close());
    const metrics = new ServiceMetrics();
    metrics.configLastReloadSuccessful.set(1);
    metrics.configLastReloadSuccessTimestamp.set(Date.now() / 1000);
    metrics.hypervisorReachability = () => port.reachability?.() ?? [];
    warnIfNoneReachable(port, log);
    const ha = cfg.leader
      ? await openHa({
          leader: cfg.leader,
          baseDir: cfg.baseDir,
          keepDays: cfg.journalLimits.keepDays,
          port,
          log,
          callTimeoutMs,
          jobWaitMs: cfg.applier.migrationTimeoutSeconds * 1000,
          retryOpenMs: cfg.planner.t2Seconds * 1000,
        })
      : undefined;
    if (ha) cleanups.push(() => ha.stop());
    const journal: DurableJournal = ha ? ha.journal : (fileJournal as Journal);
    const reconcileOpts = {
      port,
      journal,
      clock: Date.now,
      callTimeoutMs,
      jobWaitMs: cfg.applier.migrationTimeoutSeconds * 1000,
      log,
    };
    const reconciled = ha ? [] : await reconcileJournal(reconcileOpts);
    // Events on hosts that did not answer stay open; checked again each T2 until they do.
    const stopReconciling = reconcileOpenUntilAnswered(
      reconcileOpts,
      reconciled,
      cfg.planner.t2Seconds * 1000,
    );
    cleanups.push(async () => stopReconciling());
    if (ha) metrics.leaderNow = () => ha.leadership.acting();
    let exporterUrl: string | undefined;
    const reloadWeb: (() => void)[] = [];
    if (cfg.exporter) {
      const { startExporter } = await import('../../exporter/server.js');
      const exp = await startExporter({
        hypervisor: port,
        listen: splitListen(cfg.exporter.listen),
        deadlineMs: callTimeoutMs,
        ...(web.configFile ? { webConfigFile: web.configFile } : {}),
        limits,
      });
      reloadWeb.push(() => exp.reloadWebConfig());
      exporterUrl = exp.url;
      cleanups.push(() => exp.close());
    }
    const service = new AutoscalerService({
      config: cfg,
      port,
      source: opts.source ?? sourceFromConfig(cfg),
      journal,
      metrics,
      log,
      onEvent: opts.onEvent,
      onRound: opts.onRound,
      // With etcd, in etcd: a new leader honours the previous one's pause and maintenance.
      pauseStore: ha ? ha.operatorState.pauseStore : filePauseStore(pauseStateFileFor(cfg.journal)),
      maintenanceStore: ha
        ? ha.operatorState.maintenanceStore
        : fileMaintenanceStore(maintenanceStateFileFor(cfg.journal)),
      profiles: new ProfileStore(profilesFileFor(cfg.journal)),
      // Definitions kept for restarts after a host failure, beside the journal (issue 13).
      definitions: new FileDefinitionStore(
        cfg.failover.definitionsDir === undefined
          ? definitionsDirFor(cfg.journal)
          : path.resolve(cfg.baseDir, cfg.failover.definitionsDir),
      ),
      alerts: new AlertInbox({
        hotspotAlerts: cfg.alerts.hotspotAlerts,
        ttlMs: cfg.alerts.ttlSeconds * 1000,
      }),
      ...(ha ? { gate: ha.gate } : {}),
    });
    ha?.onOperatorState(() => service.adoptKeptState());
    for (const ev of journal.events()) metrics.tuningEvents.inc({ kind: ev.kind, result: ev.result }, 0);
    // GET /api/v1/plan: one observe-and-plan per T2 at most, whatever the request rate.
    const planCache = new PlanCache(
      async () => (await service.planRound('both')).plan,
      cfg.planner.t2Seconds * 1000,
    );
    const app = createApi({
      ui: uiDeps(() => current),
      events: () => journal.events(),
      plan: () => planCache.get(),
      setPaused: (p) => service.setPaused(p),
      paused: () => service.paused,
      dryRun: () => service.dryRun,
      ready: () => service.readiness(Date.now()),
      registry: metrics.registry,
      receiveAlerts: (payload) => service.receiveAlerts(payload),
      place: (req) => service.place(req),
      maintenance: {
        list: () => service.maintenance.list(),
        set: async (host, on, reason) => {
          const r = await service.setMaintenance(host, on, reason);
          if (r.changed) planCache.invalidate();
          return r;
        },
      },
      token: () => token,
      authUsers: () => current.authUsers,
      // The running config's list, as the Prometheus source maps instances with it.
      sd: () => sdTargetGroups(current.prometheus.exporters),
      ...(web.telemetryPath ? { telemetryPath: web.telemetryPath } : {}),
      log,
    });
    const apiServer = await startWebServer(app, {
      addresses: web.addresses ?? [splitListen(cfg.listen)],
      ...(web.configFile ? { webConfigFile: web.configFile } : {}),
      limits,
    });
    reloadWeb.push(() => apiServer.reload());
    const api = { url: apiServer.urls[0] };
    cleanups.push(() => apiServer.close());
    if (!opts.noLoops) {
      ha?.start();
      service.start();
    }
    log.info(
      { api: api.url, exporter: exporterUrl, dryRun: cfg.dryRun, reconciled: reconciled.length },
      'autoscaler started',
    );
    let stopping: Promise<void> | null = null;
    return {
      service,
      port,
      apiUrl: api.url,
      ...(exporterUrl ? { exporterUrl } : {}),
      reconciled,
      journal,
      ...(ha ? { ha } : {}),
      reload(read) {
        let outcome: ReloadOutcome;
        try {
          // Everything is read first: a bad config, token or web config file changes nothing.
          const next = read();
          const nextToken = readToken(next.authTokenFile);
          for (const r of reloadWeb) r();
          outcome = changedSettings(current, next);
          const effective = effectiveConfig(current, next);
          token = nextToken;
          const sourceChanged = SOURCE_KEYS.some(
            (k) => JSON.stringify(current[k]) !== JSON.stringify(effective[k]),
          );
          service.reconfigure(
            effective,
            sourceChanged && !opts.source ? sourceFromConfig(effective) : undefined,
          );
          planCache.setMinInterval(effective.planner.t2Seconds * 1000);
          planCache.invalidate();
          current = effective;
        } catch (e) {
          metrics.configLastReloadSuccessful.set(0);
          throw e;
        }
        metrics.configLastReloadSuccessful.set(1);
        metrics.configLastReloadSuccessTimestamp.set(Date.now() / 1000);
        return outcome;
      },
      stop: (graceMs = 30000) =>
        (stopping ??= (async () => {
          await service.stop(graceMs);
          await undo();
        })()),
    };
  } catch (e) {
    await undo();
    throw e;
  }
}

/** The settings the Prometheus source is built from (sourceFromConfig): a reload that changes one builds a new source. */
const SOURCE_KEYS = ['prometheus', 'capacity', 'vms', 'planner'] as const;

/** Opens the file journal; a torn last line and lines that are not events are logged. */
function openFileJournal(cfg: LoadedConfig, log: Logger): Journal {
  const { journal, tornBytes, badLines, problems } = Journal.open(cfg.journal, cfg.journalLimits);
  if (tornBytes > 0)
    log.warn({ journal: cfg.journal, tornBytes }, 'journal: cut off a torn last line (crash during a write)');
  if (badLines > 0)
    log.warn(
      { journal: cfg.journal, badLines, problems, quarantine: quarantineFileOf(cfg.journal) },
      'journal: lines that are not valid events moved to the quarantine file',
    );
  return journal;
}
