// What the service needs of a journal: append an event's current state, read every event
// back. Two durable implementations: the JSON-lines file (journal.ts), the embedded
// default, and etcd (etcd-journal.ts) when autoscalers elect a leader there; an in-memory
// log serves simulations, where nothing must touch the disk and nothing outlives the run.
import type { TuningEvent } from '../../core/model/event';

export interface EventLog {
  /** Records the event's current state (a later append with the same id supersedes it). */
  append(ev: TuningEvent): void;
  /** Records several events at once (a durable log: one write and one fsync). */
  appendAll?(evs: readonly TuningEvent[]): void;
  /** Every event in its current state, oldest decision first. */
  events(): TuningEvent[];
  /**
   * Whether appends succeed now (a durable journal tries a pending write again here). A log
   * without it is always writable.
   */
  health?(): JournalHealth;
}

/** A durable journal: what reconciliation (reconcile.ts) and the service's runner need. */
export interface DurableJournal extends EventLog {
  appendAll(evs: readonly TuningEvent[]): void;
  health(): JournalHealth;
  /** Events journalled as started (or planned) and never closed. */
  inFlight(): TuningEvent[];
  /** See EventSink.fence (autoscaler/applier/ports.ts): durable, and this process may act. */
  fence?(): Promise<void>;
}

export interface JournalHealth {
  writable: boolean;
  /** The last write or fsync error, one line. */
  error?: string;
}

/** An EventLog in memory: the same supersede-by-id rule as the journal file. */
export class MemoryEventLog implements EventLog {
  private readonly byId = new Map<string, TuningEvent>();

  append(ev: TuningEvent): void {
    // Map keeps the first insertion position; set() on an existing key updates in place.
    this.byId.set(ev.id, ev);
  }

  events(): TuningEvent[] {
    return [...this.byId.values()];
  }
}
