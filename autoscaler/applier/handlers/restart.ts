// restart {uuid} from a failed host (`from`) on `to` (issue 13 item 4): start a VM of a
// dead host elsewhere from the definition kept while the host was alive.
//   pre-condition: the failed host's libvirt still does not answer (fenced: one that answers
//                  again refuses — its VMs may be running); the definition is kept; no
//                  host that answers runs the UUID (on `to` already → done, nothing to do;
//                  on another → refused); every host but the failed ones answers (one that
//                  cannot be asked might run it); `to` has the VM's memory free;
//   execute:       the fencing command when configured, the heartbeat and the UUID check
//                  once more (the host may have come back meanwhile), then define on `to`
//                  and start it;
//   post-condition: the UUID is resident on `to` and on no other reachable host;
//   revert:        none (stopping a restarted VM is a decision, not an undo).
import { isHypervisorError, withDeadline } from '../../../core/hypervisor/errors';
import type { HypervisorPort } from '../../../core/hypervisor/port';
import { ACTION_SCHEMAS, type RestartAction } from '../../../core/model/plan';
import { errorText, RESIDENT_STATES, type ActionHandler, type HandlerContext } from '../handler';
import { freeMemoryBytes } from '../room';

export interface RestartOptions {
  /** The kept definition of a VM by UUID (the failover's definition store). */
  definitionOf(uuid: string): { definition: string; name: string; memoryBytes: number } | undefined;
  /** Every host vmpilot knows (the failed ones included). */
  knownHosts(): readonly string[];
  /** Hosts currently counted as failed (their libvirt cannot be asked). */
  failedHosts(): ReadonlySet<string>;
  heartbeatTimeoutMs: number;
  /** The fencing hook, when configured: resolves when the host is fenced. */
  fence?: (host: string) => Promise<void>;
  fenceTimeoutMs?: number;
}

/**
 * Where the UUID is resident now. Every host is asked; one that does not answer is skipped
 * only when it is `silentOk` (counted failed: fenced by its silence), else this throws —
 * a host that cannot be asked might run the VM.
 */
export async function residentHosts(
  port: HypervisorPort,
  uuid: string,
  hosts: readonly string[],
  silentOk: (host: string) => boolean,
  timeoutMs: number,
): Promise<string[]> {
  const found: string[] = [];
  for (const h of hosts) {
    let vms;
    try {
      vms = await port.listVms(h, { timeoutMs });
    } catch (e) {
      if (silentOk(h) && !isHypervisorError(e, 'not_found')) continue;
      throw new Error(`cannot check ${h} for UUID ${uuid}: ${errorText(e)}`, { cause: e });
    }
    if (vms.some((v) => v.uuid === uuid && RESIDENT_STATES.has(v.state))) found.push(h);
  }
  return found;
}

/** Null when the host's libvirt does not answer within the heartbeat; else why that refuses. */
async function stillSilent(port: HypervisorPort, host: string, timeoutMs: number): Promise<string | null> {
  try {
    await port.getHostInfo(host, { timeoutMs });
    return `${host} answers libvirt again: not fenced, nothing restarted`;
  } catch (e) {
    if (isHypervisorError(e, 'not_found')) return `${host} is not a known host`;
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The state of the action's UUID on its destination, or null when it is not there. */
async function stateOn(ctx: HandlerContext, a: RestartAction): Promise<string | null> {
  const vms = await ctx.port.listVms(a.to, { timeoutMs: ctx.callTimeoutMs });
  return vms.find((v) => v.uuid === a.params.uuid)?.state ?? null;
}

export function restartHandler(o: RestartOptions): ActionHandler<'restart'> {
  const hostsOf = (a: RestartAction) => [...new Set([...o.knownHosts(), a.from, a.to])];
  // The failed source and the hosts counted failed may be silent; the destination may not.
  const silentOk = (a: RestartAction) => (h: string) =>
    h !== a.to && (h === a.from || o.failedHosts().has(h));

  async function uuidCheck(ctx: HandlerContext, a: RestartAction): Promise<{ done: boolean } | string> {
    const where = await residentHosts(ctx.port, a.params.uuid, hostsOf(a), silentOk(a), ctx.callTimeoutMs);
    if (where.length === 0) return { done: false };
    if (where.length === 1 && where[0] === a.to) return { done: true };
    return `UUID ${a.params.uuid} already runs on ${where.join(', ')}: never started twice`;
  }

  return {
    kind: 'restart',
    schema: ACTION_SCHEMAS.restart,

    async precondition(ctx, a) {
      const fail = (error: string) => ({ ok: false as const, error });
      const answers = await stillSilent(ctx.port, a.from, o.heartbeatTimeoutMs);
      if (answers) return fail(answers);
      const kept = o.definitionOf(a.params.uuid);
      if (!kept) return fail(`no definition of ${a.vm} (UUID ${a.params.uuid}) was kept`);
      try {
        const check = await uuidCheck(ctx, a);
        if (typeof check === 'string') return fail(check);
        if (check.done) return { ok: true, before: { host: a.from }, done: true };
        const opts = { timeoutMs: ctx.callTimeoutMs };
        const [host, vms] = await Promise.all([
          ctx.port.getHostInfo(a.to, opts),
          ctx.port.listVms(a.to, opts),
        ]);
        const free = freeMemoryBytes(host, vms);
        if (free < kept.memoryBytes)
          return fail(`${a.to} has ${Math.round(free)} bytes free, ${a.vm} needs ${kept.memoryBytes}`);
      } catch (e) {
        return fail(errorText(e));
      }
      return { ok: true, before: { host: a.from }, done: false };
    },

    async execute(ctx, a) {
      const kept = o.definitionOf(a.params.uuid);
      if (!kept) throw new Error(`no definition of ${a.vm} was kept`);
      if (o.fence) {
        const fenceMs = o.fenceTimeoutMs ?? ctx.deadlineMs;
        await withDeadline(`fencing ${a.from}`, fenceMs + 1000, o.fence(a.from));
      }
      const answers = await stillSilent(ctx.port, a.from, o.heartbeatTimeoutMs);
      if (answers) throw new Error(answers);
      const check = await uuidCheck(ctx, a);
      if (typeof check === 'string') throw new Error(check);
      if (check.done) return;
      const opts = { timeoutMs: ctx.callTimeoutMs };
      if (!ctx.port.define) throw new Error('this hypervisor port cannot define VMs');
      const name = await ctx.port.define(a.to, kept.definition, opts);
      await ctx.port.start({ host: a.to, name }, opts);
    },

    async postcondition(ctx, a) {
      try {
        // Serving again means running on the destination, not only resident: a guest still
        // starting (libvirt holds it paused until QEMU is set up; slow on a loaded host, and
        // a start past its deadline may still be on its way) is re-read for up to one call
        // deadline.
        const until = Date.now() + ctx.callTimeoutMs;
        let there = await stateOn(ctx, a);
        while (there === 'paused' && Date.now() < until) {
          await sleep(250);
          there = await stateOn(ctx, a);
        }
        if (there !== null && there !== 'running' && there !== 'blocked')
          return { ok: false, error: `${a.vm} is ${there} on ${a.to}` };
        const where = await residentHosts(
          ctx.port,
          a.params.uuid,
          hostsOf(a),
          silentOk(a),
          ctx.callTimeoutMs,
        );
        if (where.length === 1 && where[0] === a.to)
          return { ok: true, after: { host: a.to }, verified: true };
        return {
          ok: false,
          error: where.length === 0 ? `${a.vm} runs nowhere` : `${a.vm} runs on ${where.join(', ')}`,
        };
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
    },

    revert: null,
  };
}
