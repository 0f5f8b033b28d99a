// What the service needs of a journal: append an event's current state, read every event
// back. The durable JSON-lines file (journal.ts) is production's; an in-memory log serves
// simulations, where nothing must touch the disk and nothing outlives the run.
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
