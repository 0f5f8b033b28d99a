// The schema of vmpilot.yaml (zod). Every field has a default except the hypervisor URIs,
// so a minimal file is two lines. Unknown keys are rejected (a typo must not be silently
// ignored). The planner's own section is the planner's schema, embedded as is.
import { z } from 'zod';
import { plannerConfigSchema } from '../decision/config';
import { parseHypervisorUri } from '../../core/hypervisor/connect';
import { durationIn, parseDuration, seconds } from '../../core/model/duration';
import { httpClientSchema } from '../../core/web/http-client';
import { DEFAULT_JOURNAL_LIMITS } from '../journal/segments';
import { leaderConfigSchema } from '../leader/config';
import { DEFAULT_PLAUSIBILITY } from '../sources/plausibility';
import type { RateWindow } from '../sources/source';
import { failoverConfigSchema } from './failover';
import { DEFAULT_QUERIES, QUERY_NAMES, type QueryName } from './queries';

/** `HOST:PORT` with a numeric port; IPv6 hosts in brackets. */
export const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:9178')
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'port must be 0..65535');

const hypervisorUri = z.string().superRefine((s, ctx) => {
  try {
    parseHypervisorUri(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
  }
});

/** Prometheus duration such as 30s, 1m, 1m30s. */
const promDuration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'expected a Prometheus duration, e.g. 1m');

const queriesSchema = z
  .object(
    Object.fromEntries(QUERY_NAMES.map((n) => [n, z.string().min(1).default(DEFAULT_QUERIES[n])])) as Record<
      QueryName,
      z.ZodDefault<z.ZodString>
    >,
  )
  .strict();

const vmOverrideSchema = z
  .object({
    /** Workload kind when the metrics cannot tell (web, cpu, memory-dirty, disk, net, mixed). */
    workload: z.enum(['web', 'cpu', 'memory-dirty', 'disk', 'net', 'mixed', 'unknown']).optional(),
    /** Application SLI (seed 001): a PromQL query ($vm, $host, $window substituted) and its target. */
    sli: z
      .object({
        query: z.string().min(1),
        target: z.number().positive(),
        higherIsBetter: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** Replace the default web SLI queries for this VM (request rate, throughput, response time). */
    requestsQuery: z.string().min(1).optional(),
    responsesQuery: z.string().min(1).optional(),
    responseTimeQuery: z.string().min(1).optional(),
  })
  .strict();

const hostCapacitySchema = z
  .object({
    diskBytesPerSecond: z.number().positive().optional(),
    netBytesPerSecond: z.number().positive().optional(),
    maintenance: z.boolean().optional(),
    /** Leave the host alone (issue 14): neither a migration source nor a destination, no tuning. */
    ignored: z.boolean().optional(),
  })
  .strict();

export const serviceConfigSchema = z
  .object({
    /** Hypervisor URIs the service acts on (see `vmpilot hosts --help`). */
    hypervisors: z.array(hypervisorUri).min(1, 'at least one hypervisor URI is needed'),
    /** Simulator only: trace speed-up for sim:// URIs. */
    simulatorSpeed: z.number().positive().max(1000).default(1),
    prometheus: z
      .object({
        url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9090'),
        /** Basic auth, bearer token and TLS for reading Prometheus (as its own http_config). */
        http: httpClientSchema.optional(),
        /** Deadline of each query. */
        timeoutSeconds: seconds.pipe(z.number().positive().max(300)).default(5),
        /** Prometheus' scrape interval of the exporter; data older than `planner.staleIntervals` of these is stale. */
        scrapeIntervalSeconds: seconds.pipe(z.number().positive().max(3600)).default(15),
        /** Observations per resource for k-of-n hotspot detection (range query points). */
        historyPoints: z.number().int().min(1).max(120).default(5),
        /** Window of rate(); default 4 scrape intervals. */
        rateWindow: promDuration.optional(),
        /** Most series one query may return; more holds every host (too_many_series). */
        maxSeries: z.number().int().min(1).max(10_000_000).default(50_000),
        /** Most hosts taken from Prometheus; more holds every host (too_many_series). */
        maxHosts: z.number().int().min(1).max(1_000_000).default(1000),
        queries: queriesSchema.prefault({}),
        /**
         * One exporter per KVM host: host name → that exporter's address as Prometheus scrapes
         * it (its `instance` label, e.g. kvm-a.example:9177). Set, the `instance` label names
         * the host of every series (sources/instance-map.ts) and GET /api/v1/sd lists these
         * targets for Prometheus' http_sd. Unset: one exporter for many hosts, the `host` label.
         */
        exporters: z
          .record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a host name'), listenAddress)
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Host capacities Prometheus cannot tell (disk and network bandwidth), maintenance, ignored hosts. */
    capacity: z
      .object({
        diskBytesPerSecond: z
          .number()
          .positive()
          .default(200 * 1024 ** 2),
        netBytesPerSecond: z
          .number()
          .positive()
          .default(117 * 1024 ** 2),
        hosts: z.record(z.string(), hostCapacitySchema).default({}),
      })
      .strict()
      .prefault({}),
    /**
     * Margins of the plausibility gate (autoscaler/sources/plausibility.ts): a host whose
     * numbers pass them is held as implausible_metrics. The CPU bound is cores × cpuMargin,
     * × rate()'s error factor for a source that computes rates (Prometheus; see
     * rateErrorFactor): 1 + max(L / (W − 2I), (I + L) / (W − I)), W the rate window, I the
     * scrape interval, L = counterSkewSeconds.
     */
    plausibility: z
      .object({
        cpuMargin: z.number().min(1).max(10).default(DEFAULT_PLAUSIBILITY.cpuMargin),
        /** The exporter's read latency spread. Default: one scrape interval (Prometheus drops an answer later than scrape_timeout ≤ it). */
        counterSkewSeconds: seconds.pipe(z.number().min(0).max(3600)).optional(),
        memoryMargin: z.number().min(1).max(10).default(DEFAULT_PLAUSIBILITY.memoryMargin),
        ioMargin: z.number().min(1).max(1e6).default(DEFAULT_PLAUSIBILITY.ioMargin),
        clockSkewSeconds: seconds
          .pipe(z.number().min(0).max(86400))
          .default(DEFAULT_PLAUSIBILITY.clockSkewSeconds),
        maxVcpus: z
          .number()
          .int()
          .min(1)
          .max(1 << 20)
          .default(DEFAULT_PLAUSIBILITY.maxVcpus),
      })
      .strict()
      .prefault({}),
    /** Per-VM overrides: workload kind and application SLIs. */
    vms: z.record(z.string(), vmOverrideSchema).default({}),
    /**
     * The planner's own section, embedded as is: T2/T1 (`t2Seconds`, `t1Seconds`, an
     * integral multiple), thresholds, weights, budgets, cooldowns, groups/affinity, limits.
     */
    planner: plannerConfigSchema.optional(),
    loops: z
      .object({
        /** Deadline of one round (observe + plan + apply, migrations excepted). */
        roundDeadlineSeconds: seconds.pipe(z.number().positive().max(3600)).default(15),
      })
      .strict()
      .prefault({}),
    applier: z
      .object({
        maxConcurrentMigrations: z.number().int().min(1).max(64).default(1),
        migrationTimeoutSeconds: seconds.pipe(z.number().positive().max(86400)).default(300),
        /** Deadline of each non-migration hypervisor call. */
        callTimeoutSeconds: seconds.pipe(z.number().positive().max(600)).default(10),
        /** Bandwidth limit of a migration in bytes/second (0 = unlimited). */
        migrationBandwidthBytesPerSecond: z.number().min(0).default(0),
        maxDowntimeMs: durationIn('ms').pipe(z.number().positive()).optional(),
      })
      .strict()
      .prefault({}),
    /** Failed hosts: detection (k of n, exporter and libvirt both), shared storage, fencing (./failover.ts). */
    failover: failoverConfigSchema.prefault({}),
    /** Address of the HTTP API and /metrics. */
    listen: listenAddress.default('127.0.0.1:9178'),
    /**
     * Alertmanager webhook (POST /api/v1/alerts, same bearer token): which alerts mark their
     * `host` label as a hotspot, and how long a firing alert that Alertmanager stopped
     * re-sending is kept (longer than its route's repeat_interval).
     */
    alerts: z
      .object({
        hotspotAlerts: z.array(z.string().min(1)).default(['VmpilotHostOverloaded']),
        ttlSeconds: seconds
          .pipe(
            z
              .number()
              .positive()
              .max(7 * 86400),
          )
          .default(900),
      })
      .strict()
      .prefault({}),
    /** File holding the bearer token for POST /api/v1/pause|resume|alerts; without it those are refused. */
    authTokenFile: z.string().min(1).optional(),
    /**
     * Users of --web.config.file's basic_auth_users who may call the token-protected endpoints
     * without the token (basic auth takes the Authorization header the bearer token would use;
     * e.g. Alertmanager's http_config.basic_auth). Other users still need the token, sent as
     * `X-Vmpilot-Token: TOKEN`.
     */
    authUsers: z.array(z.string().min(1)).default([]),
    /** Append-only JSON-lines journal of tuning events. */
    journal: z.string().min(1).default('vmpilot-journal.jsonl'),
    /** Journal segments: rotate past segmentBytes, keep keepSegments rotated ones for keepDays. */
    journalLimits: z
      .object({
        segmentBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .default(DEFAULT_JOURNAL_LIMITS.segmentBytes),
        keepSegments: z.number().int().min(1).max(10_000).default(DEFAULT_JOURNAL_LIMITS.keepSegments),
        keepDays: z.number().positive().max(3650).default(DEFAULT_JOURNAL_LIMITS.keepDays),
      })
      .strict()
      .prefault({}),
    /**
     * Several autoscalers, one acting: leader election and the journal in etcd (issue 15;
     * autoscaler/leader/). Without it this one acts alone with the file journal.
     */
    leader: leaderConfigSchema.optional(),
    /** Plan and journal but never change a hypervisor. */
    dryRun: z.boolean().default(false),
    /** Start paused (no actions until POST /api/v1/resume). */
    paused: z.boolean().default(false),
    /**
     * Also serve the exporter's /metrics for the hypervisors this service opens (needed when
     * the hypervisor is an in-process simulated cluster, as in the demo).
     */
    exporter: z
      .object({ listen: listenAddress.default('127.0.0.1:9177') })
      .strict()
      .optional(),
  })
  .strict();

export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;
export type ServiceConfig = z.output<typeof serviceConfigSchema>;

/** `HOST:PORT` → parts. */
export function splitListen(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

/** Seconds of a Prometheus duration (`1m30s`, `500ms`), as promDuration accepts it. */
export function promDurationSeconds(d: string): number {
  return parseDuration(d) / 1000;
}

/** The rate() window: configured, or 4 scrape intervals (Prometheus' rule of thumb). */
export function rateWindowOf(cfg: ServiceConfig): string {
  return cfg.prometheus.rateWindow ?? `${Math.max(1, Math.round(cfg.prometheus.scrapeIntervalSeconds * 4))}s`;
}

/** How the metrics' rates are computed, for the plausibility gate's rate() error. */
export function rateWindowFor(cfg: ServiceConfig): RateWindow {
  return {
    scrapeIntervalSeconds: cfg.prometheus.scrapeIntervalSeconds,
    rateWindowSeconds: promDurationSeconds(rateWindowOf(cfg)),
  };
}
