// Start-up reconciliation: every event the journal holds as started (or planned) but never
// closed is checked against the hypervisor and closed with its true outcome — never
// repeated, never lost. The same path runs when a new leader takes over the etcd journal.
//   migration: a job still running → wait for it (bounded); then where is the VM? On the
//              destination → completed; on the source → failed; on neither → failed.
//   local:     read the value back; it matches what was asked → completed, else failed.
//   restart:   the UUID resident on the destination → completed, else failed (re-planned).
// A host that does not answer (unreachable, timeout, busy) leaves its event open: its outcome
// is unknown, and "failed" would be a guess (the action may have taken effect). Such events
// are checked again (`only`) until the host answers; until then they stay in-flight.
import pino, { type Logger } from 'pino';
import { isHypervisorError } from '../../core/hypervisor/errors';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { TuningEvent } from '../../core/model/event';
import { TUNE_HANDLERS, tunePostcondition } from '../applier/handlers';
import { locateVm } from '../applier/locate';
import type { DurableJournal } from './event-log';

export interface ReconcileOptions {
  port: HypervisorPort;
  journal: DurableJournal;
  clock: () => number;
  /** When it runs, for the closing note: "start-up" (default) or "takeover" (a new leader). */
  occasion?: string;
  callTimeoutMs: number;
  /** How long to wait for a migration job that is still running. */
  jobWaitMs: number;
  /** Check only these events (ids left open by an earlier pass); default: every in-flight one. */
  only?: ReadonlySet<string>;
  pollMs?: number;
  log?: Logger;
}

export interface ReconcileOutcome {
  id: string;
  vm: string;
  action: string;
  /** 'open': a host did not answer, the event stays in-flight (outcome unknown). */
  result: 'completed' | 'failed' | 'open';
  note: string;
}

type Verdict = Omit<ReconcileOutcome, 'id' | 'vm' | 'action'>;

/** A call failed because the host did not answer (now): the outcome is unknown, not failed. */
function unanswered(e: unknown, what: string): Verdict | undefined {
  return isHypervisorError(e) && e.retryable
    ? { result: 'open', note: `outcome unknown, left open until the host answers (${what}: ${text(e)})` }
    : undefined;
}

const SILENT = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function reconcileJournal(o: ReconcileOptions): Promise<ReconcileOutcome[]> {
  const out: ReconcileOutcome[] = [];
  for (const ev of o.journal.inFlight()) {
    if (o.only && !o.only.has(ev.id)) continue;
    const r =
      ev.action === 'migrate'
        ? await reconcileMigration(o, ev)
        : ev.action === 'restart'
          ? await reconcileRestart(o, ev)
          : await reconcileLocal(o, ev);
    if (r.result === 'open') {
      o.log?.warn({ id: ev.id, vm: ev.vm, action: ev.action }, `reconcile: ${r.note}`);
      out.push({ id: ev.id, vm: ev.vm, action: ev.action, ...r });
      continue;
    }
    const iso = new Date(o.clock()).toISOString();
    const note = `reconciled at ${o.occasion ?? 'start-up'}: ${r.note}`;
    const closed: TuningEvent = {
      ...ev,
      result: r.result,
      note,
      ...(r.result === 'failed' ? { error: note } : {}),
      phases:
        ev.action === 'migrate'
          ? [...ev.phases, { phase: r.result, time: iso, ...(r.result === 'failed' ? { error: note } : {}) }]
          : ev.phases,
    };
    o.journal.append(closed);
    await o.journal.fence?.(); // written before anything else is decided (etcd: as the leader)
    o.log?.info({ id: ev.id, vm: ev.vm, action: ev.action, result: r.result }, note);
    out.push({ id: ev.id, vm: ev.vm, action: ev.action, result: r.result, note });
  }
  return out;
}

async function reconcileMigration(o: ReconcileOptions, ev: TuningEvent): Promise<Verdict> {
  const from = ev.host;
  const to = ev.to ?? (typeof ev.after?.host === 'string' ? ev.after.host : undefined);
  if (ev.result === 'planned')
    return { result: 'failed', note: 'never started (the service stopped before the call)' };
  if (to === undefined) return { result: 'failed', note: 'journal record has no destination' };
  const ref = { host: from, name: ev.vm };
  const deadline = o.clock() + o.jobWaitMs;
  // A job still running on the source: let it finish rather than start anything new.
  for (;;) {
    let job = null;
    try {
      job = await o.port.getJobProgress(ref, { timeoutMs: o.callTimeoutMs });
    } catch (e) {
      if (!isHypervisorError(e, 'not_found') && !isHypervisorError(e, 'unsupported')) {
        o.log?.warn({ vm: ev.vm, err: text(e) }, 'reconcile: cannot read job progress');
      }
    }
    if (job === null) break;
    if (o.clock() >= deadline) {
      await o.port.abortJob(ref, { timeoutMs: o.callTimeoutMs }).catch(() => undefined);
      break;
    }
    await sleep(o.pollMs ?? 500);
  }
  try {
    const where = await locateVm(o.port, ev.vm, from, to, o.callTimeoutMs);
    if (where === 'to') return { result: 'completed', note: `${ev.vm} runs on ${to}` };
    if (where === 'from')
      return { result: 'failed', note: `${ev.vm} is still on ${from}; no migration job running` };
    return { result: 'failed', note: `${ev.vm} is on neither ${from} nor ${to}` };
  } catch (e) {
    return (
      unanswered(e, `locating ${ev.vm}`) ?? { result: 'failed', note: `cannot locate ${ev.vm}: ${text(e)}` }
    );
  }
}

/**
 * A restart after a host failure (issue 13): the VM is looked up by UUID on the
 * destination. Resident there → completed; else failed — nothing is started here: the next
 * global round plans it again if its host is still failed, with every check of the handler.
 */
async function reconcileRestart(o: ReconcileOptions, ev: TuningEvent): Promise<Verdict> {
  if (ev.result === 'planned') return { result: 'failed', note: 'never started' };
  const uuid = ev.params?.uuid;
  if (typeof uuid !== 'string' || ev.to === undefined)
    return { result: 'failed', note: 'journal record has no UUID or destination' };
  try {
    const vms = await o.port.listVms(ev.to, { timeoutMs: o.callTimeoutMs });
    const vm = vms.find((v) => v.uuid === uuid);
    if (vm && RESTARTED_STATES.has(vm.state))
      return { result: 'completed', note: `${vm.name} runs on ${ev.to}` };
    return { result: 'failed', note: `UUID ${uuid} is not running on ${ev.to}${vm ? ` (${vm.state})` : ''}` };
  } catch (e) {
    return (
      unanswered(e, `listing ${ev.to}`) ?? { result: 'failed', note: `cannot check ${ev.to}: ${text(e)}` }
    );
  }
}

const RESTARTED_STATES: ReadonlySet<string> = new Set(['running', 'blocked', 'paused']);

async function reconcileLocal(o: ReconcileOptions, ev: TuningEvent): Promise<Verdict> {
  if (ev.result === 'planned') return { result: 'failed', note: 'never started' };
  if (!(ev.action in TUNE_HANDLERS) || !ev.params)
    return { result: 'failed', note: `unknown action ${ev.action}; outcome not verifiable` };
  // The read-back below folds a call's error into text; ask the host first whether it answers.
  try {
    await o.port.getHostInfo(ev.host, { timeoutMs: o.callTimeoutMs });
  } catch (e) {
    const open = unanswered(e, `host ${ev.host}`);
    if (open) return open;
  }
  try {
    // The record is checked by its kind's schema, as the applier checks a plan's action.
    const post = await tunePostcondition(
      { port: o.port, callTimeoutMs: o.callTimeoutMs, log: o.log ?? SILENT },
      {
        kind: ev.action,
        vm: ev.vm,
        from: ev.host,
        params: ev.params,
        reason: typeof ev.reason === 'string' ? { rule: 'journal', text: ev.reason } : ev.reason,
      },
    );
    if (post.ok && !post.verified)
      return { result: 'failed', note: 'interrupted; value cannot be read back' };
    return post.ok
      ? { result: 'completed', note: `read back ${JSON.stringify(post.after)}` }
      : { result: 'failed', note: `interrupted; ${post.error}` };
  } catch (e) {
    return unanswered(e, 'reading back') ?? { result: 'failed', note: `cannot read back: ${text(e)}` };
  }
}

/**
 * Checks the events a reconciliation left open again every `intervalMs` until each host has
 * answered and every one is closed; returns the stop function. Only those ids: events the
 * applier journals as started after start-up are its own, not this reconciliation's.
 */
export function reconcileOpenUntilAnswered(
  o: ReconcileOptions,
  outcomes: readonly ReconcileOutcome[],
  intervalMs: number,
): () => void {
  const open = new Set(outcomes.filter((r) => r.result === 'open').map((r) => r.id));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = async () => {
    const again = await reconcileJournal({ ...o, only: open }).catch((e: unknown) => {
      o.log?.warn({ err: text(e) }, 'reconcile: retry of open events failed');
      return null;
    });
    for (const r of again ?? []) if (r.result !== 'open') open.delete(r.id);
    // An id no longer in-flight (closed some other way) is not checked again.
    const inFlight = new Set(o.journal.inFlight().map((e) => e.id));
    for (const id of open) if (!inFlight.has(id)) open.delete(id);
    if (!stopped && open.size > 0) timer = setTimeout(() => void pass(), intervalMs);
  };
  if (open.size > 0) timer = setTimeout(() => void pass(), intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
