// A tuning event: one decision and what became of it. The journal, the events API, the
// simulator's --events file and the panel all use this shape (SPEC §8, §11).
import type { Reason } from './plan';

export type EventKind = 'local' | 'global' | 'alert';
export type EventResult = 'planned' | 'started' | 'completed' | 'failed' | 'skipped' | 'dry-run';

export interface MigrationPhase {
  phase: 'planned' | 'started' | 'completed' | 'failed';
  time: string;
  durationSeconds?: number;
  downtimeMs?: number;
  transferredBytes?: number;
  error?: string;
}

export interface TuningEvent {
  id: string;
  /** ISO-8601 time of the decision. */
  time: string;
  kind: EventKind;
  vm: string;
  host: string;
  /** Action kind (see ActionKind) or an alert name. */
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  result: EventResult;
  reason: Reason | string;
  phases: MigrationPhase[];
  /** Destination host of a migration. */
  to?: string;
}
