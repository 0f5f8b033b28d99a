// The life of one tuning action (every kind but migration), through its handler:
// pre-condition → (already in place: nothing journalled) → dry-run or started → execute →
// post-condition → completed, or failed (reverted to the value read before, when the kind
// allows). An execute error is checked against the hypervisor too: a lost reply may hide a
// change that took effect, and only a verified read-back counts it as done.
import { ACTION_PARAMS, type ActionOf, type ActionParams, type TuneKind } from '../../core/model/plan';
import type { EventKind, TuningEvent } from '../../core/model/event';
import { errorText, type ActionHandler, type HandlerContext, type Values } from './handler';
import type { ApplierMetrics } from './ports';
import type { EventRecorder } from './recorder';

export interface TuneEnv {
  ctx: HandlerContext;
  recorder: EventRecorder;
  metrics: ApplierMetrics;
  dryRun: () => boolean;
}

/** Never settles: a tune is a single short call, not abandoned at shutdown. */
const NEVER = new Promise<never>(() => undefined);

export async function runTune<K extends TuneKind>(
  env: TuneEnv,
  handler: ActionHandler<K>,
  action: ActionOf<K>,
  kind: EventKind,
): Promise<TuningEvent | null> {
  const { ctx, recorder } = env;
  const pre = await handler.precondition(ctx, action);
  if (!pre.ok)
    return recorder.record(recorder.create(action, kind, null, { ...action.params }), 'failed', {
      error: `pre-condition: ${pre.error}`,
    });
  if (pre.done) {
    // Already at the target: nothing to do, nothing journalled (no decision changed anything).
    env.metrics.actions.inc({ kind: action.kind, result: 'skipped' });
    return null;
  }
  const ev = recorder.create(action, kind, pre.before ?? action.before ?? null, { ...action.params });
  if (env.dryRun()) return recorder.record(ev, 'dry-run');
  const started = await recorder.recordStarted(ev);
  try {
    await handler.execute({ ...ctx, deadlineMs: ctx.callTimeoutMs, abandoned: NEVER }, action);
  } catch (e) {
    const post = await handler.postcondition(ctx, action, pre.before);
    if (post.ok && post.verified)
      return recorder.record(started, 'completed', { after: { ...post.after, verified: true } });
    return recorder.record(started, 'failed', { error: errorText(e) });
  }
  const post = await handler.postcondition(ctx, action, pre.before);
  if (post.ok)
    return recorder.record(started, 'completed', { after: { ...post.after, verified: post.verified } });
  const reverted = await revert(ctx, handler, action, pre.before ?? action.before ?? null);
  return recorder.record(started, 'failed', {
    ...(post.after ? { after: post.after } : {}),
    error: `post-condition: ${post.error}${reverted}`,
  });
}

/** Puts the value read before back, when the kind allows; says what happened, for the error line. */
async function revert<K extends TuneKind>(
  ctx: HandlerContext,
  handler: ActionHandler<K>,
  action: ActionOf<K>,
  before: Values | null,
): Promise<string> {
  if (handler.revert === null || before === null) return '';
  const parsed = ACTION_PARAMS[action.kind].safeParse(before);
  if (!parsed.success) return '';
  // The schema of kind K accepted it, so it is the params of kind K.
  const value = parsed.data as ActionParams<K>;
  try {
    await handler.revert(ctx, action, value);
    return `; reverted to ${JSON.stringify(value)}`;
  } catch (e) {
    ctx.log.warn({ vm: action.vm, action: action.kind, err: errorText(e) }, 'revert failed');
    return `; revert to ${JSON.stringify(value)} failed: ${errorText(e)}`;
  }
}
