// The autoscaler's own metrics (prom-client, on a registry of its own so an in-process
// exporter never mixes its series in). Names are fixed by the notes: vmpilot_autoscaler_*,
// vmpilot_tuning_events_total, vmpilot_migration_duration_seconds, vmpilot_vm_points.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LevelMetrics } from './level-metrics';
import { registerSelfMetrics } from '../../core/metrics/self-metrics';
import type { HostReachability } from '../../core/hypervisor/port';

/** Series the live view (api/ui.ts) reads back from Prometheus. */
export const VM_POINTS_METRIC = 'vmpilot_vm_points';
export const MIGRATION_REMAINING_METRIC = 'vmpilot_migration_remaining_bytes';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly rounds = new Counter({
    name: 'vmpilot_autoscaler_rounds_total',
    help: 'Planner rounds run, by loop (local = T2, global = T1) and outcome (ok, held, error, timeout).',
    labelNames: ['loop', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly roundDuration = new Histogram({
    name: 'vmpilot_autoscaler_round_duration_seconds',
    help: 'Duration of a round: observe, plan and apply (migrations included).',
    labelNames: ['loop'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly actions = new Counter({
    name: 'vmpilot_autoscaler_actions_total',
    help: 'Planned actions by kind and result (completed, failed, skipped, dry-run).',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly heldHosts = new Gauge({
    name: 'vmpilot_autoscaler_held_hosts',
    help: 'Hosts held in the last round (no action on them), by reason class.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly hostHeld = new Gauge({
    name: 'vmpilot_autoscaler_host_held',
    help: '1 when the host was held in the last round (stale or missing data, down, paused).',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'vmpilot_autoscaler_last_successful_round_timestamp_seconds',
    help: 'Time of the last round that observed fresh data and finished, seconds since the epoch.',
    labelNames: ['loop'] as const,
    registers: [this.registry],
  });
  readonly snapshotAge = new Gauge({
    name: 'vmpilot_autoscaler_snapshot_age_seconds',
    help: 'Age of the newest sample in the last snapshot.',
    registers: [this.registry],
  });
  readonly paused = new Gauge({
    name: 'vmpilot_autoscaler_paused',
    help: '1 while an operator paused all actions.',
    registers: [this.registry],
  });
  /** Whether this process is the one that acts, read at each scrape (run.ts sets it). */
  leaderNow: () => boolean = () => true;
  readonly leader: Gauge = new Gauge({
    name: 'vmpilot_autoscaler_leader',
    help: '1 while this autoscaler is the one that acts: always without leader election; with it (etcd), while elected and its lease is within its deadline. 0 on standby.',
    registers: [this.registry],
    // Read when scraped: a leader that was paused past its lease never shows a stale 1.
    collect: (): void => this.leader.set(this.leaderNow() ? 1 : 0),
  });
  /** Each hypervisor host's connection state, read at each scrape (run.ts sets it). */
  hypervisorReachability: () => HostReachability[] = () => [];
  readonly hypervisorUp: Gauge<'host'> = new Gauge({
    name: 'vmpilot_autoscaler_hypervisor_up',
    help: "1 while the autoscaler's connection to the host's hypervisor is up; 0 while it is unreachable (held, reconnecting in the background).",
    labelNames: ['host'] as const,
    registers: [this.registry],
    // Read when scraped: a reconnect shows at once, not at the next round.
    collect: (): void => {
      this.hypervisorUp.reset();
      for (const h of this.hypervisorReachability()) this.hypervisorUp.set({ host: h.host }, h.up ? 1 : 0);
    },
  });
  readonly dryRun = new Gauge({
    name: 'vmpilot_autoscaler_dry_run',
    help: '1 when the service only plans and journals (dry run).',
    registers: [this.registry],
  });
  /** As Prometheus' own prometheus_config_last_reload_*: 1 at start, 0 after a refused SIGHUP reload. */
  readonly configLastReloadSuccessful = new Gauge({
    name: 'vmpilot_autoscaler_config_last_reload_successful',
    help: 'Whether the last configuration reload attempt was successful (1 at start).',
    registers: [this.registry],
  });
  readonly configLastReloadSuccessTimestamp = new Gauge({
    name: 'vmpilot_autoscaler_config_last_reload_success_timestamp_seconds',
    help: 'Timestamp of the last successful configuration reload (or of the start).',
    registers: [this.registry],
  });
  readonly tuningEvents = new Counter({
    name: 'vmpilot_tuning_events_total',
    help: 'Journalled tuning events by kind (local, global, alert) and final result.',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly migrationDuration = new Histogram({
    name: 'vmpilot_migration_duration_seconds',
    help: 'Duration of live migrations the autoscaler ran, by result.',
    labelNames: ['result'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600],
    registers: [this.registry],
  });
  readonly migrationsInFlight = new Gauge({
    name: 'vmpilot_autoscaler_migrations_in_flight',
    help: 'Migrations running now.',
    registers: [this.registry],
  });
  readonly migrationRemaining = new Gauge({
    name: MIGRATION_REMAINING_METRIC,
    help: 'Bytes a running migration still has to copy (from the job stats); the series ends with the migration.',
    labelNames: ['domain', 'from', 'to'] as const,
    registers: [this.registry],
  });
  readonly migrationIteration = new Gauge({
    name: 'vmpilot_migration_iteration',
    help: 'Pre-copy round of a running migration (from the job stats).',
    labelNames: ['domain', 'from', 'to'] as const,
    registers: [this.registry],
  });
  /** Service levels, σ and priorities (issue 13; ./level-metrics.ts). */
  readonly levels = new LevelMetrics(this.registry);
  readonly vmPoints = new Gauge({
    name: VM_POINTS_METRIC,
    help: 'VMViewer points of a VM per resource (100 = the whole host resource), from the last round.',
    labelNames: ['host', 'domain', 'resource'] as const,
    registers: [this.registry],
  });

  readonly journalWritable = new Gauge({
    name: 'vmpilot_autoscaler_journal_writable',
    help: '1 while the journal can be written; 0 after a write or fsync failed (every host held until it can).',
    registers: [this.registry],
  });

  readonly alertsReceived = new Counter({
    name: 'vmpilot_autoscaler_alerts_received_total',
    help: 'Alerts in Alertmanager webhook notifications, by status and outcome (accepted = changed state and journalled, unchanged = retry or repeat, ignored = no host label).',
    labelNames: ['status', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertedHosts = new Gauge({
    name: 'vmpilot_autoscaler_alerted_hosts',
    help: 'Hosts with a firing hotspot alert from Alertmanager.',
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.journalWritable.set(1);
    if (opts.processMetrics !== false) {
      // Deprecated: the prefixed copies (vmpilot_autoscaler_process_*, _nodejs_*) stay one
      // release for dashboards that use them; generic dashboards read the unprefixed ones.
      collectDefaultMetrics({ register: this.registry, prefix: 'vmpilot_autoscaler_' });
      registerSelfMetrics(this.registry, 'autoscaler');
    }
  }
}
