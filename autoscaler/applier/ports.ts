// What the applier needs of the rest of the service, declared here so the applier imports
// neither the journal nor the service (they depend on it, never the reverse): somewhere
// to record events, and the metrics it updates. The journal file, the in-memory event log
// and the service's Prometheus metrics satisfy these structurally.
import type { TuningEvent } from '../../core/model/event';

/** Records an event's current state (a later append with the same id supersedes it). */
export interface EventSink {
  append(ev: TuningEvent): void;
  /**
   * Resolves when what was appended is durable and this process may act now; throws when
   * it may not (the etcd journal: not, or no longer, the leader). Awaited after an action is
   * journalled as started and before the hypervisor is touched. A sink without it (the
   * file journal: append is already durable) always allows.
   */
  fence?(): Promise<void>;
}

/** Labels of a running migration's progress series. */
export interface MigrationLabels {
  domain: string;
  from: string;
  to: string;
}

interface LabelledCounter {
  inc(labels: { kind: string; result: string }): void;
}

interface ProgressGauge {
  set(labels: MigrationLabels, value: number): void;
  remove(labels: MigrationLabels): void;
}

/** The metrics the applier updates (autoscaler/service/metrics.ts has them all). */
export interface ApplierMetrics {
  /** Actions by kind and result (completed, failed, skipped, dry-run). */
  actions: LabelledCounter;
  /** Closed events by event kind (local, global, alert) and result. */
  tuningEvents: LabelledCounter;
  migrationsInFlight: { set(value: number): void };
  migrationDuration: { observe(labels: { result: string }, seconds: number): void };
  migrationRemaining: ProgressGauge;
  migrationIteration: ProgressGauge;
}
