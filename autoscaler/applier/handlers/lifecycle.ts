// Shortage handling's lifecycle kinds (issue 13): suspend / resume (pause in memory) and
// save / restore (memory to a file on the host, the VM stops). Each handler reads the VM's
// state through the port before (`before: {state}`) and after (`after: {state}`):
//   pre-condition:  the VM is on the planned host in a state the step starts from (already
//                   in the target state: done, nothing journalled); restore: the saved image
//                   exists;
//   execute:        the one port call, within the deadline;
//   post-condition: the state read back is the step's target (save: shut off, or gone for a
//                   transient domain, and the image written);
//   revert:         none — undoing a step is a new decision of the planner (resume after a
//                   suspend, restore after a save), journalled in its own name.
import { stat } from 'node:fs/promises';
import { isHypervisorError, withDeadline } from '../../../core/hypervisor/errors';
import type { HypervisorPort, VmRef, VmState } from '../../../core/hypervisor/port';
import { ACTION_SCHEMAS, type ActionOf } from '../../../core/model/plan';
import { errorText, type ActionHandler, type HandlerContext } from '../handler';

type LifecycleKind = 'suspend' | 'resume' | 'save' | 'restore';

interface LifecycleSpec<K extends LifecycleKind> {
  kind: K;
  /** States the step starts from. */
  from: readonly VmState[];
  /** The state it leaves the VM in ('gone' for a save of a transient domain is accepted too). */
  to: VmState;
  call(port: HypervisorPort, action: ActionOf<K>, opts: { timeoutMs: number }): Promise<void>;
  /** A file the step needs before (restore) or must have written after (save). */
  image?: 'before' | 'after';
}

const refOf = (a: { vm: string; from: string }): VmRef => ({ host: a.from, name: a.vm });

/** The VM's state on the planned host; 'gone' when the host no longer defines it. */
async function stateOf(ctx: HandlerContext, action: { vm: string; from: string }): Promise<VmState | 'gone'> {
  try {
    return (await ctx.port.getVm(refOf(action), { timeoutMs: ctx.callTimeoutMs })).state;
  } catch (e) {
    if (isHypervisorError(e, 'not_found')) return 'gone';
    throw e;
  }
}

async function imageExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const pathOf = (action: ActionOf<LifecycleKind>): string | undefined =>
  'path' in action.params ? action.params.path : undefined;

function defineLifecycle<K extends LifecycleKind>(spec: LifecycleSpec<K>): ActionHandler<K> {
  return {
    kind: spec.kind,
    schema: ACTION_SCHEMAS[spec.kind],

    async precondition(ctx, action) {
      try {
        const state = await stateOf(ctx, action);
        if (state === spec.to) return { ok: true, before: { state }, done: true };
        if (state === 'gone' || !spec.from.includes(state))
          return {
            ok: false,
            error: `${action.vm} on ${action.from} is ${state}, ${spec.kind} needs ${spec.from.join(' or ')}`,
          };
        const path = pathOf(action);
        if (spec.image === 'before' && path !== undefined && !(await imageExists(path)))
          return { ok: false, error: `no saved image at ${path}` };
        return { ok: true, before: { state }, done: false };
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
    },

    async execute(ctx, action) {
      await withDeadline(
        `${action.kind} of ${action.vm}`,
        ctx.deadlineMs,
        spec.call(ctx.port, action, { timeoutMs: ctx.deadlineMs }),
      );
    },

    async postcondition(ctx, action) {
      try {
        const state = await stateOf(ctx, action);
        const path = pathOf(action);
        const reached = state === spec.to || (spec.kind === 'save' && state === 'gone');
        if (!reached)
          return { ok: false, after: { state }, error: `read back ${state}, ${spec.kind} leaves ${spec.to}` };
        if (spec.image === 'after' && path !== undefined && !(await imageExists(path)))
          return { ok: false, after: { state }, error: `VM stopped but no saved image at ${path}` };
        return { ok: true, after: { state }, verified: true };
      } catch (e) {
        return { ok: false, error: `cannot read back: ${errorText(e)}` };
      }
    },

    revert: null,
  };
}

export const suspendVm = defineLifecycle({
  kind: 'suspend',
  from: ['running', 'blocked'],
  to: 'paused',
  call: (port, a, opts) => port.suspend(refOf(a), opts),
});

export const resumeVm = defineLifecycle({
  kind: 'resume',
  from: ['paused'],
  to: 'running',
  call: (port, a, opts) => port.resume(refOf(a), opts),
});

export const saveVm = defineLifecycle({
  kind: 'save',
  from: ['running', 'blocked', 'paused'],
  to: 'shutoff',
  image: 'after',
  call: (port, a, opts) => port.save(refOf(a), a.params.path, opts),
});

export const restoreVm = defineLifecycle({
  kind: 'restore',
  from: ['shutoff'],
  to: 'running',
  image: 'before',
  call: (port, a, opts) => port.restore(a.from, a.params.path, opts),
});
