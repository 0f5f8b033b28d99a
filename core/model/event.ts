// A tuning event: one decision and what became of it. The journal writes it, the events
// API serves it, the simulator's --events file holds it and the panel reads it (SPEC §8,
// §11). `tuningEventSchema` is the one definition: the types here are inferred from it and
// the panel's come from the JSON Schema generated from it (`npm run gen:schemas`).
// Fields may be added (optional), never renamed.
import { z } from 'zod';
import { migrationProgressSchema } from './migration-progress';
import { reasonSchema } from './reason';

/** `operator`: a change an operator made through the API (host maintenance on/off). */
export const EVENT_KINDS = ['local', 'global', 'alert', 'operator'] as const;
export const EVENT_RESULTS = ['planned', 'started', 'completed', 'failed', 'skipped', 'dry-run'] as const;
export const MIGRATION_PHASES = ['planned', 'started', 'completed', 'failed'] as const;

export const eventKindSchema = z.enum(EVENT_KINDS);
export const eventResultSchema = z.enum(EVENT_RESULTS);

/** One step of a migration, with what is known when it was reached. */
export const migrationPhaseSchema = z
  .object({
    phase: z.enum(MIGRATION_PHASES),
    /** ISO-8601 time the phase was reached. */
    time: z.string(),
    durationSeconds: z.number().optional(),
    downtimeMs: z.number().optional(),
    transferredBytes: z.number().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'MigrationPhase' });

/** An action's planned parameters, loosely (each action kind types its own: core/model/action.ts). */
export const eventParamsSchema = z.record(
  z.string(),
  z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]),
);

/** Values before or after the action (action parameters, an alert's status, …), or null when unknown. */
const valuesSchema = z.record(z.string(), z.unknown()).nullable();

export const tuningEventSchema = z
  .object({
    id: z.string(),
    /** ISO-8601 time of the decision. */
    time: z.string(),
    kind: eventKindSchema,
    vm: z.string(),
    host: z.string(),
    /** Action kind (see ActionKind) or an alert name. */
    action: z.string(),
    before: valuesSchema,
    after: valuesSchema,
    result: eventResultSchema,
    /** The planner's structured reason; older journals and a few callers hold plain text. */
    reason: z.union([reasonSchema, z.string()]),
    phases: z.array(migrationPhaseSchema),
    /** Destination host of a migration. */
    to: z.string().optional(),
    /** Why the action failed or was skipped (schema, pre-condition, hypervisor error, post-condition, no slot). */
    error: z.string().optional(),
    /** The planned parameters. */
    params: eventParamsSchema.optional(),
    /** Last progress of a running migration. */
    progress: migrationProgressSchema.optional(),
    /**
     * How the outcome was learned when no service saw the action end (its process stopped or
     * a new leader took over): "reconciled at start-up: lab-vm-1 runs on lab-b".
     */
    note: z.string().optional(),
  })
  .meta({
    id: 'TuningEvent',
    description: 'One decision and what became of it (vmpilot core/model/event.ts).',
  });

export type EventKind = z.infer<typeof eventKindSchema>;
export type EventResult = z.infer<typeof eventResultSchema>;
export type MigrationPhase = z.infer<typeof migrationPhaseSchema>;
export type EventParams = z.infer<typeof eventParamsSchema>;
export type TuningEvent = z.infer<typeof tuningEventSchema>;

/** Journalled as planned or started but never closed: what reconciliation must settle. */
export function isInFlight(e: Pick<TuningEvent, 'result'>): boolean {
  return e.result === 'planned' || e.result === 'started';
}
