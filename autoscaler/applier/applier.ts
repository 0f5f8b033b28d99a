// The applier turns a plan into changes on the hypervisors, Watcher-style: every action is
// checked (pre-condition), journalled as started, executed through the hypervisor port with
// a deadline, read back (post-condition) and journalled as completed or failed. A failure is
// never recorded as a success; a value the port cannot read back is recorded as completed
// with `verified: false`. Dry-run journals what would be done; pause stops further actions.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isHypervisorError, withDeadline } from '../../core/hypervisor/errors';
import type { HypervisorPort, MigrationProgress, VmRef } from '../../core/hypervisor/port';
import type { EventKind, EventResult, MigrationPhase, TuningEvent } from '../../core/model/event';
import type { Action, Plan } from '../../core/model/plan';
import type { EventLog } from '../journal/event-log';
import type { ServiceMetrics } from '../service/metrics';
import { LOCAL_HANDLERS, type Values } from './actions';
import { AbandonedError, locateVm, raceAbandon } from './locate';
import { Semaphore } from './semaphore';
import { freeMemoryBytes } from './room';

/** A journalled event: the shared TuningEvent plus what the applier knows about it. */
export type JournalEvent = TuningEvent & {
  /** Why the action failed (pre-condition, hypervisor error, post-condition). */
  error?: string;
  /** The planned parameters. */
  params?: Action['params'];
  /** Last progress of a running migration. */
  progress?: MigrationProgress;
};

export interface ApplierOptions {
  port: HypervisorPort;
  journal: EventLog;
  metrics: ServiceMetrics;
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
  onEvent?: (ev: JournalEvent) => void;
}

const errorText = (e: unknown) =>
  isHypervisorError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);

export class Applier {
  private readonly migrations: Semaphore;
  private stopping = false;
  /** Migrations running now, by event id. */
  private readonly running = new Map<
    string,
    { ref: VmRef; to: string; done: Promise<unknown>; abandon: () => void }
  >();

  constructor(private readonly o: ApplierOptions) {
    this.migrations = new Semaphore(o.maxConcurrentMigrations);
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** No new action starts after this; running migrations continue (see `abandon`). */
  stopAccepting(): void {
    this.stopping = true;
  }

  /** Waits for running migrations, at most `ms`; resolves true when none is left. */
  async drain(ms: number): Promise<boolean> {
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    let t: NodeJS.Timeout | undefined;
    const timer = new Promise<'timeout'>((res) => (t = setTimeout(() => res('timeout'), ms)));
    const r = await Promise.race([all.then(() => 'done' as const), timer]);
    clearTimeout(t);
    return r === 'done';
  }

  /** Aborts the hypervisor job of every running migration (shutdown past its grace period). */
  async abandon(): Promise<void> {
    for (const r of this.running.values()) r.abandon();
    await this.drain(this.o.callTimeoutMs * 3);
  }

  /** VMs with a migration running now. */
  migratingVms(): Set<string> {
    return new Set([...this.running.values()].map((r) => r.ref.name));
  }

  /**
   * Applies every action of the plan in order; returns the journalled events. With
   * `background`, migrations are started but not awaited (they are tracked, bounded by the
   * concurrency limit, and their events journalled when they end), so a long migration
   * does not stall the local loop; a migration beyond the free slots is skipped, not queued
   * (its plan would be stale by the time a slot frees).
   */
  async apply(plan: Plan, kind: EventKind, opts: { background?: boolean } = {}): Promise<JournalEvent[]> {
    const held = new Set(plan.held.map((h) => h.host));
    const out: JournalEvent[] = [];
    const migrations: Promise<JournalEvent>[] = [];
    let slots = this.o.maxConcurrentMigrations - this.running.size;
    for (const action of plan.actions) {
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
      if (held.has(action.from) || (action.to !== undefined && held.has(action.to))) {
        // The planner should never emit these; the guard is here so a held host is never touched.
        skip('action on a held host dropped');
        continue;
      }
      if (this.migratingVms().has(action.vm)) {
        skip('VM is migrating: action not started');
        continue;
      }
      if (action.kind === 'migrate') {
        if (opts.background && slots <= 0) {
          skip('no free migration slot: migration not started');
          continue;
        }
        slots--;
        const p = this.migrate(action, kind === 'local' ? 'global' : kind);
        if (opts.background)
          p.catch((e: unknown) => this.o.log.error({ err: errorText(e) }, 'migration crashed'));
        else migrations.push(p);
      } else {
        const ev = await this.local(action, kind);
        if (ev) out.push(ev);
      }
    }
    out.push(...(await Promise.all(migrations)));
    return out;
  }

  private newEvent(action: Action, kind: EventKind, before: Values | null): JournalEvent {
    return {
      id: randomUUID(),
      time: new Date(this.o.clock()).toISOString(),
      kind,
      vm: action.vm,
      host: action.from,
      action: action.kind,
      before: before ?? action.before ?? null,
      after: { ...action.params },
      result: 'planned',
      reason: action.reason,
      phases: [],
      params: action.params,
      ...(action.to !== undefined ? { to: action.to } : {}),
    };
  }

  private record(ev: JournalEvent, result: EventResult, extra: Partial<JournalEvent> = {}): JournalEvent {
    const next: JournalEvent = { ...ev, ...extra, result };
    this.o.journal.append(next);
    if (result !== 'started' && result !== 'planned') {
      this.o.metrics.tuningEvents.inc({ kind: ev.kind, result });
      this.o.metrics.actions.inc({ kind: ev.action, result });
    }
    this.o.onEvent?.(next);
    return next;
  }

  /** One local action: pre-condition, journal, call, read back, journal. */
  async local(action: Action, kind: EventKind): Promise<JournalEvent | null> {
    if (action.kind === 'migrate') throw new Error('local() called with a migration');
    const handler = LOCAL_HANDLERS[action.kind];
    const ref: VmRef = { host: action.from, name: action.vm };
    const opts = { timeoutMs: this.o.callTimeoutMs };
    let before: Values | null;
    // Pre-condition: the VM is still on the host the plan thinks, and running.
    try {
      const vm = await this.o.port.getVm(ref, opts);
      if (vm.state !== 'running' && vm.state !== 'blocked' && vm.state !== 'paused') {
        return this.record(this.newEvent(action, kind, null), 'failed', {
          error: `pre-condition: ${action.vm} on ${action.from} is ${vm.state}, not running`,
        });
      }
      before = await handler.read(this.o.port, ref, action, opts).catch((e: unknown) => {
        if (isHypervisorError(e, 'unsupported')) return null;
        throw e;
      });
    } catch (e) {
      return this.record(this.newEvent(action, kind, null), 'failed', {
        error: `pre-condition: ${errorText(e)}`,
      });
    }
    if (before !== null && handler.matches(before, action)) {
      // Already at the target: nothing to do, nothing journalled (not a decision that changed anything).
      this.o.metrics.actions.inc({ kind: action.kind, result: 'skipped' });
      return null;
    }
    const ev = this.newEvent(action, kind, before);
    if (this.o.dryRun()) return this.record(ev, 'dry-run');
    const started = this.record(ev, 'started');
    try {
      await handler.apply(this.o.port, ref, action, opts);
    } catch (e) {
      return this.record(started, 'failed', { error: errorText(e) });
    }
    // Post-condition: read the value back.
    try {
      const after = await handler.read(this.o.port, ref, action, opts);
      if (after === null)
        return this.record(started, 'completed', { after: { ...action.params, verified: false } });
      if (!handler.matches(after, action)) {
        return this.record(started, 'failed', {
          after,
          error: `post-condition: read back ${JSON.stringify(after)}, asked ${JSON.stringify(action.params)}`,
        });
      }
      return this.record(started, 'completed', { after: { ...after, verified: true } });
    } catch (e) {
      return this.record(started, 'failed', { error: `post-condition: cannot read back: ${errorText(e)}` });
    }
  }

  /**
   * Memory the destination must really hold: what the guest uses (balloon current − unused),
   * else the host-side RSS, else its balloon. Not the maximum — KVM overcommits and allocates
   * guest RAM lazily, and local tuning moves balloons below the maximum.
   */
  private async residentMemory(action: Action, balloonBytes: number): Promise<number> {
    try {
      const stats = await this.o.port.getStats(action.from, {
        groups: ['balloon'],
        timeoutMs: this.o.callTimeoutMs,
      });
      const b = stats.vms.find((v) => v.name === action.vm)?.balloon;
      if (b?.unusedBytes !== undefined) return Math.max(0, b.currentBytes - b.unusedBytes);
      if (b?.rssBytes !== undefined) return b.rssBytes;
    } catch (e) {
      this.o.log.debug({ vm: action.vm, err: errorText(e) }, 'no balloon stats: using the balloon size');
    }
    return balloonBytes;
  }

  /** Pre-condition of a migration: VM still on `from` and running, target known with room. */
  private async migrationPrecondition(action: Action): Promise<string | null> {
    const opts = { timeoutMs: this.o.callTimeoutMs };
    const to = action.to;
    if (to === undefined || to === action.from) return `plan has no valid destination (to=${String(to)})`;
    let vmMemory: number;
    try {
      const vm = await this.o.port.getVm({ host: action.from, name: action.vm }, opts);
      if (vm.state !== 'running' && vm.state !== 'blocked') return `${action.vm} is ${vm.state}, not running`;
      vmMemory = await this.residentMemory(action, vm.memoryBytes);
    } catch (e) {
      return `${action.vm} is no longer on ${action.from}: ${errorText(e)}`;
    }
    try {
      const host = await this.o.port.getHostInfo(to, opts);
      const vms = await this.o.port.listVms(to, opts);
      if (vms.some((v) => v.name === action.vm)) return `a VM named ${action.vm} already exists on ${to}`;
      const free = freeMemoryBytes(host, vms);
      if (free < vmMemory)
        return `${to} has ${Math.round(free)} bytes free, ${action.vm} needs ${Math.round(vmMemory)}`;
    } catch (e) {
      return `destination ${to}: ${errorText(e)}`;
    }
    return null;
  }

  /** Where the VM is now: 'to', 'from' or null (on neither). */
  private async locate(vm: string, from: string, to: string): Promise<'to' | 'from' | null> {
    return locateVm(this.o.port, vm, from, to, this.o.callTimeoutMs);
  }

  async migrate(action: Action, kind: EventKind): Promise<JournalEvent> {
    const now = () => new Date(this.o.clock()).toISOString();
    const planned = this.newEvent(action, kind, { host: action.from });
    planned.after = { host: action.to ?? '' };
    planned.phases = [{ phase: 'planned', time: planned.time }];
    const pre = await this.migrationPrecondition(action);
    if (pre !== null) {
      return this.record(planned, 'failed', {
        error: `pre-condition: ${pre}`,
        phases: [...planned.phases, { phase: 'failed', time: now(), error: `pre-condition: ${pre}` }],
      });
    }
    if (this.o.dryRun()) return this.record(planned, 'dry-run');
    const to = action.to as string;
    const release = await this.migrations.acquire();
    const startedAt = this.o.clock();
    let finish: (v: unknown) => void = () => undefined;
    const done = new Promise((res) => (finish = res));
    const ref: VmRef = { host: action.from, name: action.vm };
    let abandon: () => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      abandon = () => reject(new AbandonedError(`migration of ${action.vm} abandoned at shutdown`));
    });
    abandoned.catch(() => undefined);
    this.running.set(planned.id, { ref, to, done, abandon });
    this.o.metrics.migrationsInFlight.set(this.running.size);
    try {
      const started = this.record(planned, 'started', {
        phases: [...planned.phases, { phase: 'started', time: now() }],
      });
      const close = (ok: boolean, phase: Omit<MigrationPhase, 'phase' | 'time'>, error?: string) => {
        const durationSeconds = (this.o.clock() - startedAt) / 1000;
        this.o.metrics.migrationDuration.observe({ result: ok ? 'completed' : 'failed' }, durationSeconds);
        return this.record(started, ok ? 'completed' : 'failed', {
          phases: [
            ...started.phases,
            {
              phase: ok ? 'completed' : 'failed',
              time: now(),
              durationSeconds,
              ...phase,
              ...(error ? { error } : {}),
            },
          ],
          ...(error ? { error } : {}),
        });
      };
      let targetUri: string;
      try {
        targetUri = (await this.o.port.getHostInfo(to, { timeoutMs: this.o.callTimeoutMs })).uri;
      } catch (e) {
        return close(false, {}, `destination ${to}: ${errorText(e)}`);
      }
      let progress: MigrationProgress | undefined;
      try {
        const result = await withDeadline(
          `migration of ${action.vm} to ${to}`,
          this.o.migrationTimeoutMs,
          raceAbandon(
            abandoned,
            this.o.port.migrate(
              ref,
              { host: to, uri: targetUri },
              {
                timeoutMs: this.o.migrationTimeoutMs,
                live: true,
                ...(this.o.migrationBandwidthBytesPerSecond
                  ? { bandwidthBytesSec: this.o.migrationBandwidthBytesPerSecond }
                  : {}),
                ...(this.o.maxDowntimeMs ? { maxDowntimeMs: this.o.maxDowntimeMs } : {}),
                onProgress: (p) => {
                  progress = p;
                  const labels = { domain: action.vm, from: action.from, to };
                  if (p.dataRemainingBytes !== undefined)
                    this.o.metrics.migrationRemaining.set(labels, p.dataRemainingBytes);
                  if (p.iteration !== undefined) this.o.metrics.migrationIteration.set(labels, p.iteration);
                  this.o.log.debug({ vm: action.vm, to, progress: p }, 'migration progress');
                },
              },
            ),
          ),
        );
        // Post-condition: the VM runs on the destination and no longer on the source.
        const where = await this.locate(action.vm, action.from, to);
        if (where !== 'to') {
          return close(
            false,
            {},
            `post-condition: migration returned but ${action.vm} is ${where === 'from' ? `still on ${action.from}` : 'on neither host'}`,
          );
        }
        return close(true, {
          durationSeconds: result.durationSeconds,
          ...(result.downtimeMs !== undefined ? { downtimeMs: result.downtimeMs } : {}),
          ...(result.transferredBytes !== undefined ? { transferredBytes: result.transferredBytes } : {}),
        });
      } catch (e) {
        if (isHypervisorError(e, 'timeout') || e instanceof AbandonedError) {
          await this.o.port.abortJob(ref, { timeoutMs: this.o.callTimeoutMs }).catch((err: unknown) => {
            this.o.log.warn({ vm: action.vm, err: errorText(err) }, 'abort of a timed-out migration failed');
          });
        }
        // The truth is where the VM is, not what the call said (a lost reply may hide a success).
        const where = await this.locate(action.vm, action.from, to).catch(() => null);
        if (where === 'to') return close(true, {}, undefined);
        const bytes = progress?.dataProcessedBytes;
        return close(false, bytes !== undefined ? { transferredBytes: bytes } : {}, errorText(e));
      }
    } finally {
      const labels = { domain: action.vm, from: action.from, to };
      this.o.metrics.migrationRemaining.remove(labels);
      this.o.metrics.migrationIteration.remove(labels);
      this.running.delete(planned.id);
      this.o.metrics.migrationsInFlight.set(this.running.size);
      finish(undefined);
      release();
    }
  }
}
