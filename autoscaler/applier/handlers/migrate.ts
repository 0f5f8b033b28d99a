// migrate {} to `to`: a live migration, a handler like the others.
//   pre-condition: the VM runs on `from`; the destination is known, has no VM of that name,
//                  and has the free memory the VM occupies (core/model/footprint.ts, the
//                  planner's own fit rule, against applier/room.ts's free-memory figure);
//   execute:       the port's live migration within the migration deadline, racing
//                  shutdown's abandon; a timeout or an abandon aborts the hypervisor job;
//   post-condition: the VM runs on the destination and no longer on the source
//                  (applier/locate.ts: the hypervisor's truth, not the call's reply);
//   revert:        none. Moving the VM back is a new migration (another pre-copy and
//                  downtime) and a decision for the planner, under its cooldowns.
import { isHypervisorError, withDeadline } from '../../../core/hypervisor/errors';
import type { MigrationResult } from '../../../core/hypervisor/port';
import { residentMemoryBytes } from '../../../core/model/footprint';
import { ACTION_SCHEMAS, type MigrateAction } from '../../../core/model/plan';
import { errorText, type ActionHandler, type HandlerContext } from '../handler';
import { AbandonedError, locateVm, raceAbandon } from '../locate';
import { freeMemoryBytes } from '../room';

export interface MigrateOptions {
  /** Bandwidth cap of the migration stream, bytes/s. */
  bandwidthBytesSec?: number;
  /** Longest acceptable pause at the switch-over, ms. */
  maxDowntimeMs?: number;
}

/** Bytes the VM will occupy on the destination: the planner's rule on the port's balloon figures. */
async function footprint(ctx: HandlerContext, a: MigrateAction, balloonBytes: number): Promise<number> {
  try {
    const stats = await ctx.port.getStats(a.from, { groups: ['balloon'], timeoutMs: ctx.callTimeoutMs });
    const b = stats.vms.find((v) => v.name === a.vm)?.balloon;
    if (b)
      return residentMemoryBytes({
        balloonBytes: b.currentBytes,
        ...(b.unusedBytes !== undefined ? { unusedBytes: b.unusedBytes } : {}),
        ...(b.rssBytes !== undefined ? { rssBytes: b.rssBytes } : {}),
      });
  } catch (e) {
    ctx.log.debug({ vm: a.vm, err: errorText(e) }, 'no balloon stats: counting the balloon size');
  }
  return residentMemoryBytes({ balloonBytes });
}

export function migrateHandler(o: MigrateOptions = {}): ActionHandler<'migrate', MigrationResult> {
  return {
    kind: 'migrate',
    schema: ACTION_SCHEMAS.migrate,

    async precondition(ctx, a) {
      const opts = { timeoutMs: ctx.callTimeoutMs };
      const fail = (error: string) => ({ ok: false as const, error });
      let needs: number;
      try {
        const vm = await ctx.port.getVm({ host: a.from, name: a.vm }, opts);
        if (vm.state !== 'running' && vm.state !== 'blocked')
          return fail(`${a.vm} is ${vm.state}, not running`);
        needs = await footprint(ctx, a, vm.memoryBytes);
      } catch (e) {
        return fail(`${a.vm} is no longer on ${a.from}: ${errorText(e)}`);
      }
      try {
        const host = await ctx.port.getHostInfo(a.to, opts);
        const vms = await ctx.port.listVms(a.to, opts);
        if (vms.some((v) => v.name === a.vm)) return fail(`a VM named ${a.vm} already exists on ${a.to}`);
        const free = freeMemoryBytes(host, vms);
        if (free < needs)
          return fail(`${a.to} has ${Math.round(free)} bytes free, ${a.vm} needs ${Math.round(needs)}`);
      } catch (e) {
        return fail(`destination ${a.to}: ${errorText(e)}`);
      }
      return { ok: true, before: { host: a.from }, done: false };
    },

    async execute(ctx, a) {
      const ref = { host: a.from, name: a.vm };
      let uri: string;
      try {
        uri = (await ctx.port.getHostInfo(a.to, { timeoutMs: ctx.callTimeoutMs })).uri;
      } catch (e) {
        throw new Error(`destination ${a.to}: ${errorText(e)}`, { cause: e });
      }
      try {
        return await withDeadline(
          `migration of ${a.vm} to ${a.to}`,
          ctx.deadlineMs,
          raceAbandon(
            ctx.abandoned,
            ctx.port.migrate(
              ref,
              { host: a.to, uri },
              {
                timeoutMs: ctx.deadlineMs,
                live: true,
                ...(o.bandwidthBytesSec ? { bandwidthBytesSec: o.bandwidthBytesSec } : {}),
                ...(o.maxDowntimeMs ? { maxDowntimeMs: o.maxDowntimeMs } : {}),
                ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
              },
            ),
          ),
        );
      } catch (e) {
        if (isHypervisorError(e, 'timeout') || e instanceof AbandonedError) {
          await ctx.port.abortJob(ref, { timeoutMs: ctx.callTimeoutMs }).catch((err: unknown) => {
            ctx.log.warn({ vm: a.vm, err: errorText(err) }, 'abort of a timed-out migration failed');
          });
        }
        throw e;
      }
    },

    async postcondition(ctx, a) {
      try {
        const where = await locateVm(ctx.port, a.vm, a.from, a.to, ctx.callTimeoutMs);
        if (where === 'to') return { ok: true, after: { host: a.to }, verified: true };
        return {
          ok: false,
          error: `${a.vm} is ${where === 'from' ? `still on ${a.from}` : 'on neither host'}`,
        };
      } catch (e) {
        return { ok: false, error: `cannot locate ${a.vm}: ${errorText(e)}` };
      }
    },

    revert: null,
  };
}
