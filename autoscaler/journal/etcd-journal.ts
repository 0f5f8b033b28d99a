// The journal in etcd (issue 15), for autoscalers that elect a leader there: every event's
// current state is one key, `PREFIX/events/<decision time>/<id>` (ISO times sort, so a range
// read returns events oldest decision first), so whichever autoscaler leads next reads the
// previous leader's in-flight actions and reconciles them (reconcile.ts, the same path as a
// restart with the file journal).
//
// Writes are fenced: every batch is one transaction that succeeds only while the leader key
// still holds this process's create revision (leadership.ts). Appends are indexed at once
// and written in the background in order; `fence()` — which the applier awaits after
// journalling an action as started and before touching a hypervisor — waits for them and
// fails unless they were accepted and the lease is safely within its deadline. A refused
// write makes the process step down; events it could not write are dropped, because the new
// leader reconciles whatever it finds in flight.
//
// Retention: closed events older than keepDays are deleted by the leader (their keys go;
// etcd's own history of old revisions is compacted by etcd's --auto-compaction-retention).
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { withDeadline } from '../../core/hypervisor/errors';
import { isInFlight, type TuningEvent, tuningEventSchema } from '../../core/model/event';
import type { EtcdConfig } from '../leader/config';
import { NotLeaderError, type EtcdLeadership } from '../leader/leadership';
import type { EventLog, JournalHealth } from './event-log';

const CLOSED = new Set<TuningEvent['result']>(['completed', 'failed', 'skipped', 'dry-run']);
/** etcd's default limit of operations in one transaction is 128. */
const BATCH = 100;
const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class EtcdJournal implements EventLog {
  private readonly byId = new Map<string, TuningEvent>();
  private readonly keyOf = new Map<string, string>();
  /** States appended but not yet accepted by etcd, latest per id, in order. */
  private readonly queue = new Map<string, TuningEvent>();
  private writing: Promise<void> = Promise.resolve();
  private failure: string | null = null;
  private readonly dir: string;
  private readonly callMs: number;
  private lastRetention = 0;

  constructor(
    private readonly client: Etcd3,
    cfg: EtcdConfig,
    private readonly leadership: EtcdLeadership,
    private readonly log: Logger,
    private readonly keepDays: number,
  ) {
    this.dir = `${cfg.prefix}/events/`;
    this.callMs = cfg.callTimeoutSeconds * 1000;
  }

  /** Reads every event from etcd (a new leader before reconciling; a follower for its API). */
  async load(): Promise<{ badKeys: string[] }> {
    const kvs = await withDeadline(
      'etcd journal read',
      this.callMs * 3,
      this.client.getAll().prefix(this.dir).sort('Key', 'Ascend').strings(),
    );
    const badKeys: string[] = [];
    const fresh = new Map<string, TuningEvent>();
    const keys = new Map<string, string>();
    for (const [key, value] of Object.entries(kvs)) {
      let ev: TuningEvent | null = null;
      try {
        const p = tuningEventSchema.safeParse(JSON.parse(value));
        if (p.success) ev = JSON.parse(value) as TuningEvent; // the stored object: newer fields survive
      } catch {
        ev = null;
      }
      if (!ev) {
        badKeys.push(key);
        continue;
      }
      fresh.set(ev.id, ev);
      keys.set(ev.id, key);
    }
    // States this process appended and etcd has not accepted yet stay the current ones.
    for (const [id, ev] of this.queue) fresh.set(id, ev);
    this.byId.clear();
    for (const [id, ev] of fresh) this.byId.set(id, ev);
    for (const [id, k] of keys) this.keyOf.set(id, k);
    if (badKeys.length)
      this.log.warn({ badKeys: badKeys.slice(0, 20) }, 'etcd journal: values that are not events');
    return { badKeys };
  }

  append(ev: TuningEvent): void {
    this.appendAll([ev]);
  }

  appendAll(evs: readonly TuningEvent[]): void {
    for (const ev of evs) {
      const copy = structuredClone(ev);
      this.byId.set(ev.id, copy);
      this.queue.set(ev.id, copy);
    }
    this.writing = this.writing.then(() => this.flush());
  }

  /**
   * Resolves when every appended state is in etcd under this leader's fence and this process
   * may act now; throws NotLeaderError (or the write's error) otherwise.
   */
  async fence(): Promise<void> {
    this.leadership.fence();
    this.writing = this.writing.then(() => this.flush());
    await this.writing;
    if (this.failure !== null) throw new NotLeaderError(`journal not written to etcd: ${this.failure}`);
    this.leadership.fence();
  }

  private async flush(): Promise<void> {
    if (this.queue.size === 0) return;
    let fence;
    try {
      fence = this.leadership.fence();
    } catch (e) {
      this.dropQueue(text(e));
      return;
    }
    const batch = [...this.queue.values()].slice(0, BATCH);
    try {
      const r = await withDeadline(
        'etcd journal write',
        this.callMs,
        this.client
          .if(fence.key, 'Create', '==', fence.createRevision)
          .then(...batch.map((ev) => this.client.put(this.keyFor(ev)).value(JSON.stringify(ev))))
          .commit(),
      );
      if (!r.succeeded) {
        this.leadership.refused(
          `leader key ${fence.key} no longer has create revision ${fence.createRevision}`,
        );
        this.dropQueue('refused: no longer the leader');
        return;
      }
      for (const ev of batch) if (this.queue.get(ev.id) === ev) this.queue.delete(ev.id);
      this.failure = null;
    } catch (e) {
      this.failure = text(e); // kept queued: written by the next flush, or dropped on step-down
      this.log.warn({ err: this.failure, queued: this.queue.size }, 'etcd journal: write failed');
      return;
    }
    if (this.queue.size > 0) return this.flush();
    await this.retain(Date.now());
  }

  private dropQueue(why: string): void {
    if (this.queue.size > 0)
      this.log.warn(
        { dropped: [...this.queue.keys()], why },
        'etcd journal: states not written (the next leader reconciles what is in flight)',
      );
    this.queue.clear();
    this.failure = why;
  }

  private keyFor(ev: TuningEvent): string {
    let k = this.keyOf.get(ev.id);
    if (!k) {
      k = `${this.dir}${ev.time}/${ev.id}`;
      this.keyOf.set(ev.id, k);
    }
    return k;
  }

  /** Deletes closed events decided more than keepDays ago (at most once a minute). */
  private async retain(nowMs: number): Promise<void> {
    if (nowMs - this.lastRetention < 60_000) return;
    this.lastRetention = nowMs;
    const cutoff = new Date(nowMs - this.keepDays * 86400_000).toISOString();
    const old = [...this.byId.values()].filter((e) => e.time < cutoff && CLOSED.has(e.result));
    for (let i = 0; i < old.length; i += BATCH) {
      const part = old.slice(i, i + BATCH);
      let fence;
      try {
        fence = this.leadership.fence();
      } catch {
        return;
      }
      const r = await withDeadline(
        'etcd journal retention',
        this.callMs,
        this.client
          .if(fence.key, 'Create', '==', fence.createRevision)
          .then(...part.map((e) => this.client.delete().key(this.keyFor(e))))
          .commit(),
      ).catch(() => null);
      if (!r?.succeeded) return;
      for (const e of part) {
        this.byId.delete(e.id);
        this.keyOf.delete(e.id);
      }
    }
  }

  /**
   * Writable while leading and the last write went through. While it did not, each call
   * tries the queued states again in the background (the service asks once a round), so
   * the journal recovers by itself when etcd answers again.
   */
  health(): JournalHealth {
    if (!this.leadership.acting()) return { writable: true }; // a follower writes nothing
    if (this.failure !== null && this.queue.size > 0) this.writing = this.writing.then(() => this.flush());
    return this.failure === null ? { writable: true } : { writable: false, error: this.failure };
  }

  get(id: string): TuningEvent | undefined {
    return this.byId.get(id);
  }

  events(): TuningEvent[] {
    return [...this.byId.values()];
  }

  inFlight(): TuningEvent[] {
    return this.events().filter(isInFlight);
  }

  /** After stepping down: nothing left to write, and a later election starts clean. */
  resetFailure(): void {
    this.failure = null;
  }
}
