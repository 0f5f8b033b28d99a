// The life of one restart after a host failure (issue 13 item 4), through its handler:
// pre-condition → (already running on the destination: nothing journalled) → dry-run or
// started → execute (fence, define, start) → post-condition (the UUID resident on the
// destination only) → completed or failed. An execute error is checked against the
// hypervisors too: a lost reply may hide a start that happened.
import type { EventKind, TuningEvent } from '../../core/model/event';
import type { RestartAction } from '../../core/model/plan';
import { errorText, type ActionHandler } from './handler';
import type { TuneEnv } from './run-tune';

/** Never settles: a restart is not abandoned at shutdown (a half-done one is reconciled). */
const NEVER = new Promise<never>(() => undefined);

export async function runRestart(
  env: TuneEnv,
  handler: ActionHandler<'restart'>,
  action: RestartAction,
  kind: EventKind,
  deadlineMs: number,
): Promise<TuningEvent | null> {
  const { ctx, recorder } = env;
  const pre = await handler.precondition(ctx, action);
  if (!pre.ok)
    return recorder.record(
      recorder.create(action, kind, { host: action.from }, { host: action.to }),
      'failed',
      {
        error: `pre-condition: ${pre.error}`,
      },
    );
  if (pre.done) {
    env.metrics.actions.inc({ kind: action.kind, result: 'skipped' });
    return null;
  }
  const ev = recorder.create(action, kind, { host: action.from }, { host: action.to });
  if (env.dryRun()) return recorder.record(ev, 'dry-run');
  const started = recorder.record(ev, 'started');
  try {
    await handler.execute({ ...ctx, deadlineMs, abandoned: NEVER }, action);
  } catch (e) {
    const post = await handler.postcondition(ctx, action);
    if (post.ok) return recorder.record(started, 'completed', { after: { ...post.after, verified: true } });
    return recorder.record(started, 'failed', { error: errorText(e) });
  }
  const post = await handler.postcondition(ctx, action);
  if (post.ok)
    return recorder.record(started, 'completed', { after: { ...post.after, verified: post.verified } });
  return recorder.record(started, 'failed', { error: `post-condition: ${post.error}` });
}
