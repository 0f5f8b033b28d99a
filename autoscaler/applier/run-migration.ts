// The life of one migration, through the migrate handler: pre-condition → dry-run or a
// slot of the concurrency limit → started → execute (progress published as metrics) →
// post-condition → completed or failed, each a phase of the event. After an execute error
// the post-condition still decides: the truth is where the VM is, not what the call said
// (a lost reply may hide a success). Running migrations are tracked so shutdown can wait
// for them or abandon them (abort their hypervisor jobs).
import type { MigrationProgress, MigrationResult, VmRef } from '../../core/hypervisor/port';
import type { EventKind, MigrationPhase } from '../../core/model/event';
import type { MigrateAction } from '../../core/model/plan';
import { errorText, type ActionHandler, type HandlerContext } from './handler';
import { AbandonedError } from './locate';
import type { ApplierMetrics, MigrationLabels } from './ports';
import type { EventRecorder, JournalEvent } from './recorder';
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
  /** Migrations running now, by event id. */
  private readonly running = new Map<string, Running>();

  constructor(private readonly env: MigrationEnv) {
    this.slots = new Semaphore(env.maxConcurrent);
  }

  get size(): number {
    return this.running.size;
  }

  vms(): Set<string> {
    return new Set([...this.running.values()].map((r) => r.ref.name));
  }

  /** Settles when every migration running now has ended. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  abandonAll(): void {
    for (const r of this.running.values()) r.abandon();
  }

  /** The event of a migration planned while every slot was busy: skipped, with why. */
  recordNoSlot(action: MigrateAction, kind: EventKind): JournalEvent {
    const { recorder } = this.env;
    const ev = recorder.create(action, kind, { host: action.from }, { host: action.to });
    const error = `no free migration slot: ${this.running.size} of ${this.env.maxConcurrent} running; not started (the plan would be stale by the time a slot frees)`;
    return recorder.record(ev, 'skipped', { phases: [{ phase: 'planned', time: ev.time }], error });
  }

  async run(action: MigrateAction, kind: EventKind): Promise<JournalEvent> {
    const { ctx, handler, recorder, metrics } = this.env;
    const planned = recorder.create(action, kind, { host: action.from }, { host: action.to });
    planned.phases = [{ phase: 'planned', time: planned.time }];
    const pre = await handler.precondition(ctx, action);
    if (!pre.ok) {
      const error = `pre-condition: ${pre.error}`;
      return recorder.record(planned, 'failed', {
        error,
        phases: [...planned.phases, { phase: 'failed', time: recorder.now(), error }],
      });
    }
    if (this.env.dryRun()) return recorder.record(planned, 'dry-run');
    const release = await this.slots.acquire();
    const startedAt = this.env.clock();
    let finish: (v: unknown) => void = () => undefined;
    const done = new Promise((res) => (finish = res));
    let abandon: () => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      abandon = () => reject(new AbandonedError(`migration of ${action.vm} abandoned at shutdown`));
    });
    abandoned.catch(() => undefined);
    this.running.set(planned.id, { ref: { host: action.from, name: action.vm }, done, abandon });
    metrics.migrationsInFlight.set(this.running.size);
    const labels: MigrationLabels = { domain: action.vm, from: action.from, to: action.to };
    try {
      const started = recorder.record(planned, 'started', {
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
      this.running.delete(planned.id);
      metrics.migrationsInFlight.set(this.running.size);
      finish(undefined);
      release();
    }
  }
}
