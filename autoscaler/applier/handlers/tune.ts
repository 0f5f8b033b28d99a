// The shape every tuning handler shares (all kinds but migration): a tune is defined by how
// to read its current value, how to set it, and when a read-back value counts as the one
// asked. From those three, `defineTune` builds the Watcher-style handler:
//   pre-condition: the VM is on the planned host and resident; its current value is read
//                  (`done` when it already is the target);
//   execute:       the setter, within the deadline;
//   post-condition: read back and compare; a kind the port cannot read back is completed
//                  with `verified: false`; a kind that settles gradually (a balloon) is
//                  re-read for a while, and completed unverified with `settling: true`
//                  when it moved towards the target but is still on its way;
//   revert:        the setter with the `before` value (unless the kind says why not).
import { isHypervisorError, withDeadline } from '../../../core/hypervisor/errors';
import type { CallOptions, HypervisorPort, VmRef } from '../../../core/hypervisor/port';
import {
  ACTION_PARAMS,
  ACTION_SCHEMAS,
  type ActionOf,
  type ActionParams,
  type TuneKind,
} from '../../../core/model/plan';
import { errorText, RESIDENT_STATES, type ActionHandler } from '../handler';

export interface TuneSpec<K extends TuneKind> {
  kind: K;
  /** The current value in the keys of the params; null when the port cannot read it back. */
  read(
    port: HypervisorPort,
    ref: VmRef,
    action: ActionOf<K>,
    opts: CallOptions,
  ): Promise<ActionParams<K> | null>;
  /** Sets the value (the action's params, or its `before` on revert). */
  apply(port: HypervisorPort, ref: VmRef, value: ActionParams<K>, opts: CallOptions): Promise<void>;
  /** A read-back value is the one asked (within the backend's rounding). */
  matches(current: ActionParams<K>, asked: ActionParams<K>): boolean;
  /** Why this kind is not reverted (its handler's `revert` is null); revertible when absent. */
  noRevert?: string;
  /**
   * The value reaches the target gradually, at the guest's pace (a balloon): the
   * post-condition re-reads it until it matches, at most `withinMs`; a value that moved
   * from `before` towards the target but is still off it then is completed unverified, with
   * `settling: true` (not failed, not reverted); one that did not move is failed.
   */
  settle?: {
    withinMs: number;
    intervalMs: number;
    towards(before: ActionParams<K>, current: ActionParams<K>, asked: ActionParams<K>): boolean;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const refOf = (a: { vm: string; from: string }): VmRef => ({ host: a.from, name: a.vm });

/** A read the port does not support is "cannot read back", not a failure. */
async function readOrNull<K extends TuneKind>(
  spec: TuneSpec<K>,
  port: HypervisorPort,
  action: ActionOf<K>,
  opts: CallOptions,
): Promise<ActionParams<K> | null> {
  try {
    return await spec.read(port, refOf(action), action, opts);
  } catch (e) {
    if (isHypervisorError(e, 'unsupported')) return null;
    throw e;
  }
}

export function defineTune<K extends TuneKind>(spec: TuneSpec<K>): ActionHandler<K> {
  return {
    kind: spec.kind,
    schema: ACTION_SCHEMAS[spec.kind],

    async precondition(ctx, action) {
      const opts = { timeoutMs: ctx.callTimeoutMs };
      try {
        const vm = await ctx.port.getVm(refOf(action), opts);
        if (!RESIDENT_STATES.has(vm.state))
          return { ok: false, error: `${action.vm} on ${action.from} is ${vm.state}, not running` };
        const before = await readOrNull(spec, ctx.port, action, opts);
        return { ok: true, before, done: before !== null && spec.matches(before, action.params) };
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
    },

    async execute(ctx, action) {
      await withDeadline(
        `${action.kind} on ${action.vm}`,
        ctx.deadlineMs,
        spec.apply(ctx.port, refOf(action), action.params, { timeoutMs: ctx.deadlineMs }),
      );
    },

    async postcondition(ctx, action, before) {
      try {
        const opts = { timeoutMs: ctx.callTimeoutMs };
        let after = await readOrNull(spec, ctx.port, action, opts);
        if (after === null) return { ok: true, after: { ...action.params }, verified: false };
        if (spec.settle) {
          const until = Date.now() + Math.min(spec.settle.withinMs, ctx.callTimeoutMs);
          while (after !== null && !spec.matches(after, action.params) && Date.now() < until) {
            await sleep(spec.settle.intervalMs);
            after = await readOrNull(spec, ctx.port, action, opts);
          }
          if (after === null) return { ok: true, after: { ...action.params }, verified: false };
          const was = before ? ACTION_PARAMS[spec.kind].safeParse(before) : null;
          if (
            !spec.matches(after, action.params) &&
            was?.success &&
            spec.settle.towards(was.data as ActionParams<K>, after, action.params)
          )
            return { ok: true, after: { ...after, settling: true }, verified: false };
        }
        if (!spec.matches(after, action.params))
          return {
            ok: false,
            after,
            error: `read back ${JSON.stringify(after)}, asked ${JSON.stringify(action.params)}`,
          };
        return { ok: true, after, verified: true };
      } catch (e) {
        return { ok: false, error: `cannot read back: ${errorText(e)}` };
      }
    },

    revert:
      spec.noRevert !== undefined
        ? null
        : async (ctx, action, before) => {
            await withDeadline(
              `revert of ${action.kind} on ${action.vm}`,
              ctx.callTimeoutMs,
              spec.apply(ctx.port, refOf(action), before, { timeoutMs: ctx.callTimeoutMs }),
            );
          },
  };
}
