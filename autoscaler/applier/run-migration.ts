// The life of one migration, through the migrate handler: pre-condition → dry-run or a
// slot of the concurrency limit → started → execute (progress published as metrics) →
// post-condition → completed or failed, each a phase of the event. After an execute error
// the post-condition still decides: the truth is where the VM is, not what the call said
// (a lost reply may hide a success). Running migrations are tracked so shutdown can wait
// for them or abandon them (abort their hypervisor jobs).
import type { MigrationProgress, MigrationResult, VmRef } from '../../core/hypervisor/port';
import type { EventKind, MigrationPhase, TuningEvent } from '../../core/model/event';
import type { MigrateAction } from '../../core/model/plan';
import { errorText, type ActionHandler, type HandlerContext } from './handler';
import { AbandonedError } from './locate';
import type { ApplierMetrics, MigrationLabels } from './ports';
import type { EventRecorder } from './recorder';
import { Semaphore } from './semaphore';

export interface MigrationEnv {
  ctx: HandlerContext;
  handler: ActionHandler<'migrate', MigrationResult>;
  recorder: EventRecorder;
  metrics: ApplierMetrics;
  clock: () => number;
  migrationTimeoutMs: number;
  maxConcurrent: number;
  dryRun: () => boolean;
}

interface Running {
  ref: VmRef;
  done: Promise<unknown>;
  abandon: () => void;
}

export class MigrationRunner {
  private readonly slots: Semaphore;
  /** Migrations from their pre-condition to their end, by event id. */
  private readonly running = new Map<string, Running>();
  /** Migrations past their pre-condition, holding a slot (the in-flight gauge). */
  private executing = 0;

  constructor(private readonly env: MigrationEnv) {
    this.slots = new Semaphore(env.maxConcurrent);
  }

  /** Config reload: handler (bandwidth, downtime), timeout and slots of the migrations started from now on. */
  setLimits(l: Pick<MigrationEnv, 'handler' | 'migrationTimeoutMs' | 'maxConcurrent'>): void {
    this.slots.resize(l.maxConcurrent);
    this.env.handler = l.handler;
    this.env.migrationTimeoutMs = l.migrationTimeoutMs;
    this.env.maxConcurrent = l.maxConcurrent;
  }

  /** Migrations under way (a slot is theirs once their pre-condition holds). */
  get size(): number {
    return this.running.size;
  }

  vms(): Set<string> {
    return new Set([...this.running.values()].map((r) => r.ref.name));
  }

  /** Settles when every migration under way now has ended. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  abandonAll(): void {
    for (const r of this.running.values()) r.abandon();
  }

  /** The event of a migration planned while every slot was busy: skipped, with why. */
  recordNoSlot(action: MigrateAction, kind: EventKind): TuningEvent {
    const { recorder } = this.env;
    const ev = recorder.create(action, kind, { host: action.from }, { host: action.to });
    const error = `no free migration slot: ${this.running.size} of ${this.env.maxConcurrent} under way; not started (the plan would be stale by the time a slot frees)`;
    return recorder.record(ev, 'skipped', { phases: [{ phase: 'planned', time: ev.time }], error });
  }

  /**
   * Runs one migration to its end. It counts as under way from this call on (synchronously),
   * so the next action of the same plan already sees its slot taken and its VM migrating.
   */
  async run(action: MigrateAction, kind: EventKind): Promise<TuningEvent> {
    const planned = this.env.recorder.create(action, kind, { host: action.from }, { host: action.to });
    planned.phases = [{ phase: 'planned', time: planned.time }];
    let finish: (v: unknown) => void = () => undefined;
    const done = new Promise((res) => (finish = res));
    let gaveUp = false;
    let abandon: () => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      abandon = () => {
        gaveUp = true;
        reject(new AbandonedError(`migration of ${action.vm} abandoned at shutdown`));
      };
    });
    abandoned.catch(() => undefined);
    this.running.set(planned.id, { ref: { host: action.from, name: action.vm }, done, abandon });
    try {
      return await this.lifecycle(action, planned, abandoned, () => gaveUp);
    } finally {
      this.running.delete(planned.id);
      finish(undefined);
    }
  }

  private async lifecycle(
    action: MigrateAction,
    planned: TuningEvent,
    abandoned: Promise<never>,
    gaveUp: () => boolean,
  ): Promise<TuningEvent> {
    const { ctx, handler, recorder, metrics } = this.env;
    const fail = (error: string) =>
      recorder.record(planned, 'failed', {
        error,
        phases: [...planned.phases, { phase: 'failed', time: recorder.now(), error }],
      });
    const pre = await handler.precondition(ctx, action);
    if (!pre.ok) return fail(`pre-condition: ${pre.error}`);
    if (this.env.dryRun()) return recorder.record(planned, 'dry-run');
    const release = await this.slots.acquire();
    if (gaveUp()) {
      release();
      return fail(`migration of ${action.vm} abandoned at shutdown before it started`);
    }
    const startedAt = this.env.clock();
    this.executing++;
    metrics.migrationsInFlight.set(this.executing);
    const labels: MigrationLabels = { domain: action.vm, from: action.from, to: action.to };
    try {
      const started = await recorder.recordStarted(planned, {
        phases: [...planned.phases, { phase: 'started', time: recorder.now() }],
      });
      const close = (ok: boolean, phase: Omit<MigrationPhase, 'phase' | 'time'>, error?: string) => {
        const durationSeconds = (this.env.clock() - startedAt) / 1000;
        metrics.migrationDuration.observe({ result: ok ? 'completed' : 'failed' }, durationSeconds);
        return recorder.record(started, ok ? 'completed' : 'failed', {
          phases: [
            ...started.phases,
            {
              phase: ok ? 'completed' : 'failed',
              time: recorder.now(),
              durationSeconds,
              ...phase,
              ...(error ? { error } : {}),
            },
          ],
          ...(error ? { error } : {}),
        });
      };
      let progress: MigrationProgress | undefined;
      const onProgress = (p: MigrationProgress) => {
        progress = p;
        if (p.dataRemainingBytes !== undefined) metrics.migrationRemaining.set(labels, p.dataRemainingBytes);
        if (p.iteration !== undefined) metrics.migrationIteration.set(labels, p.iteration);
        ctx.log.debug({ vm: action.vm, to: action.to, progress: p }, 'migration progress');
      };
      let result: MigrationResult;
      try {
        result = await handler.execute(
          { ...ctx, deadlineMs: this.env.migrationTimeoutMs, abandoned, onProgress },
          action,
        );
      } catch (e) {
        const post = await handler.postcondition(ctx, action);
        if (post.ok) return close(true, {});
        const bytes = progress?.dataProcessedBytes;
        return close(false, bytes !== undefined ? { transferredBytes: bytes } : {}, errorText(e));
      }
      const post = await handler.postcondition(ctx, action);
      if (!post.ok) return close(false, {}, `post-condition: migration returned but ${post.error}`);
      return close(true, {
        durationSeconds: result.durationSeconds,
        ...(result.downtimeMs !== undefined ? { downtimeMs: result.downtimeMs } : {}),
        ...(result.transferredBytes !== undefined ? { transferredBytes: result.transferredBytes } : {}),
      });
    } finally {
      metrics.migrationRemaining.remove(labels);
      metrics.migrationIteration.remove(labels);
      this.executing--;
      metrics.migrationsInFlight.set(this.executing);
      release();
    }
  }
}
