// One applier action, Watcher-style (openstack/watcher applier/actions/base.py): every
// kind declares its schema, a pre-condition (the world is as the plan thinks), an execute
// step (one change through the hypervisor port, with a deadline), a post-condition (read
// the effect back) and a revert where the hypervisor allows one. The applier runs them in
// that order and journals each outcome; a handler never journals and never throws for an
// expected failure — it answers with a result the applier records.
import type { Logger } from 'pino';
import { isHypervisorError } from '../../core/hypervisor/errors';
import type { HypervisorPort, MigrationProgress } from '../../core/hypervisor/port';
import type { ACTION_SCHEMAS, ActionKind, ActionOf, ActionParams } from '../../core/model/plan';

/** Event values (an event's `before` / `after`). */
export type Values = Record<string, unknown>;

export interface HandlerContext {
  port: HypervisorPort;
  /** Deadline of one hypervisor call, ms. */
  callTimeoutMs: number;
  log: Logger;
}

export interface ExecuteContext extends HandlerContext {
  /** Deadline of the whole execute step, ms (a call, or a whole migration). */
  deadlineMs: number;
  /** Rejects when shutdown abandons the action (a long action races it; a short one may ignore it). */
  abandoned: Promise<never>;
  /** Progress of a long-running job (migrations). */
  onProgress?: (p: MigrationProgress) => void;
}

export type Precondition =
  /** `before`: the current value (null when unreadable); `done`: it already is what is asked. */
  { ok: true; before: Values | null; done: boolean } | { ok: false; error: string };

export type Postcondition =
  /** `verified` false: the port cannot read the value back; the call's success is all we know. */
  { ok: true; after: Values; verified: boolean } | { ok: false; after?: Values; error: string };

export interface ActionHandler<K extends ActionKind, R = void> {
  readonly kind: K;
  /** The action's schema (core/model/action.ts); the applier checks it before anything else. */
  readonly schema: (typeof ACTION_SCHEMAS)[K];
  precondition(ctx: HandlerContext, action: ActionOf<K>): Promise<Precondition>;
  /** Makes the change; rejects with the hypervisor's error (a deadline overrun is a `timeout`). */
  execute(ctx: ExecuteContext, action: ActionOf<K>): Promise<R>;
  /** `before`: the value the pre-condition read (null or absent when unknown). */
  postcondition(ctx: HandlerContext, action: ActionOf<K>, before?: Values | null): Promise<Postcondition>;
  /** Puts `before` back; null when the kind cannot be reverted (the handler says why). */
  readonly revert:
    ((ctx: HandlerContext, action: ActionOf<K>, before: ActionParams<K>) => Promise<void>) | null;
}

/** One line for an error: the hypervisor's code and message, or the message. */
export const errorText = (e: unknown): string =>
  isHypervisorError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);

/** VM states in which the guest is resident on its host (its resources can be changed). */
export const RESIDENT_STATES: ReadonlySet<string> = new Set(['running', 'blocked', 'paused']);
