// The applier turns a plan into changes on the hypervisors, Watcher-style: every action
// goes through the handler of its kind (./handler.ts; tunes in ./handlers/, migration in
// ./handlers/migrate.ts): its schema is checked first (an invalid action is journalled as
// failed, never thrown), then its pre-condition, then it is journalled as started,
// executed through the hypervisor port with a deadline, read back (post-condition) and
// journalled as completed or failed. A failure is never recorded as a success; a value the
// port cannot read back is recorded as completed with `verified: false`. Dry-run journals
// what would be done; pause, shutdown and held hosts stop actions before they start.
//
// The applier depends on small interfaces it declares (./ports.ts: an event sink and its
// metrics), never on the journal or the service, which depend on it.
import type { Logger } from 'pino';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { EventKind, TuningEvent } from '../../core/model/event';
import {
  actionError,
  type Action,
  type ActionOf,
  type Plan,
  type RestartAction,
  type TuneKind,
} from '../../core/model/plan';
import { migrateHandler, TUNE_HANDLERS, type MigrateOptions } from './handlers';
import { restartHandler, type RestartOptions } from './handlers/restart';
import { errorText, type HandlerContext } from './handler';
import type { ApplierMetrics, EventSink } from './ports';
import { EventRecorder } from './recorder';
import { MigrationRunner } from './run-migration';
import { runRestart } from './run-restart';
import { runTune } from './run-tune';

export type { ApplierMetrics, EventSink } from './ports';

export interface ApplierOptions {
  port: HypervisorPort;
  /** Where events are recorded (the journal file in production, memory in simulations). */
  journal: EventSink;
  metrics: ApplierMetrics;
  log: Logger;
  clock: () => number;
  callTimeoutMs: number;
  migrationTimeoutMs: number;
  maxConcurrentMigrations: number;
  migrationBandwidthBytesPerSecond?: number;
  maxDowntimeMs?: number;
  dryRun: () => boolean;
  paused: () => boolean;
  /** Called after each journal append (the demo prints decisions from it). */
  onEvent?: (ev: TuningEvent) => void;
  /** Event ids (default random UUIDs; simulations count, so their events are reproducible). */
  newEventId?: () => string;
  /** What restarts after a host failure need (the service's failover); without it they fail. */
  restart?: RestartOptions;
  /**
   * Why an action breaks an operator constraint (issue 14: excluded VM, ignored host, pin
   * set, migration window), or undefined. A safety net behind the planners, which never plan
   * one: such an action is journalled as failed, `refused: <why>`, and not started.
   */
  refuse?: (action: Action) => string | undefined;
}

export class Applier {
  private readonly recorder: EventRecorder;
  private readonly ctx: HandlerContext;
  private readonly migrations: MigrationRunner;
  private stopping = false;

  constructor(private readonly o: ApplierOptions) {
    this.recorder = new EventRecorder(o.journal, o.metrics, o.clock, o.onEvent, o.newEventId);
    this.ctx = { port: o.port, callTimeoutMs: o.callTimeoutMs, log: o.log };
    this.migrations = new MigrationRunner({
      ctx: this.ctx,
      handler: migrateHandler(migrateOptions(o)),
      recorder: this.recorder,
      metrics: o.metrics,
      clock: o.clock,
      migrationTimeoutMs: o.migrationTimeoutMs,
      maxConcurrent: o.maxConcurrentMigrations,
      dryRun: o.dryRun,
    });
  }

  /**
   * Config reload: limits of the migrations started from now on (the running ones keep
   * theirs). Fewer slots than migrations under way start nothing until enough finish.
   */
  setMigrationLimits(
    l: Pick<
      ApplierOptions,
      'migrationTimeoutMs' | 'maxConcurrentMigrations' | 'migrationBandwidthBytesPerSecond' | 'maxDowntimeMs'
    >,
  ): void {
    this.migrations.setLimits({
      handler: migrateHandler(migrateOptions(l)),
      migrationTimeoutMs: l.migrationTimeoutMs,
      maxConcurrent: l.maxConcurrentMigrations,
    });
  }

  /** Migrations under way (from their pre-condition to their end). */
  get inFlight(): number {
    return this.migrations.size;
  }

  /** No new action starts after this; running migrations continue (see `abandon`). */
  stopAccepting(): void {
    this.stopping = true;
  }

  /** Waits for running migrations, at most `ms`; resolves true when none is left. */
  async drain(ms: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const timer = new Promise<'timeout'>((res) => (t = setTimeout(() => res('timeout'), ms)));
    const r = await Promise.race([this.migrations.settled().then(() => 'done' as const), timer]);
    clearTimeout(t);
    return r === 'done';
  }

  /** Aborts the hypervisor job of every running migration (shutdown past its grace period). */
  async abandon(): Promise<void> {
    this.migrations.abandonAll();
    await this.drain(this.o.callTimeoutMs * 3);
  }

  /** VMs with a migration running now. */
  migratingVms(): Set<string> {
    return this.migrations.vms();
  }

  /**
   * Applies every action of the plan in order; returns the journalled events. With
   * `background`, migrations are started but not awaited (they are tracked, bounded by the
   * concurrency limit, and their events journalled when they end), so a long migration
   * does not stall the local loop; a migration beyond the free slots is skipped, not queued
   * (its plan would be stale by the time a slot frees), and journalled as `skipped`.
   * Actions stopped by shutdown, pause, a held host or a running migration of their VM
   * are logged and counted (`actions_total{result="skipped"}`), not journalled: nothing
   * about them was decided in the hypervisor's name.
   */
  async apply(plan: Plan, kind: EventKind, opts: { background?: boolean } = {}): Promise<TuningEvent[]> {
    const held = new Set(plan.held.map((h) => h.host));
    const out: TuningEvent[] = [];
    const migrations: Promise<TuningEvent>[] = [];
    for (const action of plan.actions) {
      const invalid = actionError(action);
      if (invalid !== null) {
        out.push(this.recordInvalid(action, kind, invalid));
        continue;
      }
      const skip = (why: string) => {
        this.o.metrics.actions.inc({ kind: action.kind, result: 'skipped' });
        this.o.log.info({ action: action.kind, vm: action.vm }, why);
      };
      if (this.stopping) {
        skip('shutting down: action not started');
        continue;
      }
      if (this.o.paused()) {
        skip('paused: action not started');
        continue;
      }
      // A restart's `from` is the failed host, held by definition; its destination must not be.
      const fromHeld = action.kind !== 'restart' && held.has(action.from);
      if (fromHeld || (action.to !== undefined && held.has(action.to))) {
        // The planner should never emit these; the guard is here so a held host is never touched.
        skip('action on a held host dropped');
        continue;
      }
      const refused = this.o.refuse?.(action);
      if (refused !== undefined) {
        this.o.log.warn(
          { action: action.kind, vm: action.vm, refused },
          'action refused: operator constraint',
        );
        out.push(
          this.recorder.record(this.recorder.create(action, kind, null, null), 'failed', {
            error: `refused: ${refused}`,
          }),
        );
        continue;
      }
      if (this.migrations.vms().has(action.vm)) {
        skip('VM is migrating: action not started');
        continue;
      }
      if (action.kind === 'restart') {
        const ev = await this.restart(action, kind);
        if (ev) out.push(ev);
      } else if (action.kind === 'migrate') {
        const migrationKind = kind === 'local' ? 'global' : kind;
        if (opts.background && this.migrations.size >= this.o.maxConcurrentMigrations) {
          this.o.log.info(
            { action: action.kind, vm: action.vm },
            'no free migration slot: migration not started',
          );
          out.push(this.migrations.recordNoSlot(action, migrationKind));
          continue;
        }
        const p = this.migrations.run(action, migrationKind);
        if (opts.background)
          p.catch((e: unknown) => this.o.log.error({ err: errorText(e) }, 'migration crashed'));
        else migrations.push(p);
      } else {
        const ev = await this.tune(action, kind);
        if (ev) out.push(ev);
      }
    }
    out.push(...(await Promise.all(migrations)));
    return out;
  }

  private tune<K extends TuneKind>(action: ActionOf<K>, kind: EventKind): Promise<TuningEvent | null> {
    const handler = TUNE_HANDLERS[action.kind as K];
    return runTune(
      { ctx: this.ctx, recorder: this.recorder, metrics: this.o.metrics, dryRun: this.o.dryRun },
      handler,
      action,
      kind,
    );
  }

  private restart(action: RestartAction, kind: EventKind): Promise<TuningEvent | null> {
    const o = this.o.restart;
    const handler = restartHandler(
      o ?? {
        definitionOf: () => undefined,
        knownHosts: () => [],
        failedHosts: () => new Set(),
        heartbeatTimeoutMs: this.o.callTimeoutMs,
      },
    );
    const deadlineMs = (o?.fenceTimeoutMs ?? 0) + 4 * this.o.callTimeoutMs + (o?.heartbeatTimeoutMs ?? 0);
    return runRestart(
      { ctx: this.ctx, recorder: this.recorder, metrics: this.o.metrics, dryRun: this.o.dryRun },
      handler,
      action,
      kind,
      deadlineMs,
    );
  }

  /** An action its schema refuses: journalled as failed with the first offending field. */
  private recordInvalid(action: Action, kind: EventKind, error: string): TuningEvent {
    // The action failed its schema: read its fields as unknowns, not as the types it claims.
    const a = action as unknown as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : '?');
    const ev: TuningEvent = {
      ...this.recorder.create(action, kind, null, null),
      vm: text(a.vm),
      host: text(a.from),
      action: text(a.kind),
      reason: typeof a.reason === 'object' && a.reason !== null ? action.reason : 'no reason given',
    };
    this.o.log.warn({ action: ev.action, vm: ev.vm, error }, 'invalid action refused');
    return this.recorder.record(ev, 'failed', { error: `schema: ${error}` });
  }
}

/** The migrate handler's options from the applier's (bandwidth cap, downtime limit; 0/unset = none). */
function migrateOptions(
  o: Pick<ApplierOptions, 'migrationBandwidthBytesPerSecond' | 'maxDowntimeMs'>,
): MigrateOptions {
  return {
    ...(o.migrationBandwidthBytesPerSecond ? { bandwidthBytesSec: o.migrationBandwidthBytesPerSecond } : {}),
    ...(o.maxDowntimeMs ? { maxDowntimeMs: o.maxDowntimeMs } : {}),
  };
}
