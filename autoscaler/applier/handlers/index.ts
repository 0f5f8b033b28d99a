// The handlers of the tuning kinds, by kind (the migration handler is built with the
// applier's migration settings: ./migrate.ts). Journal reconciliation reads values back
// through these too (`tunePostcondition`).
import { actionError, type Action, type ActionOf, type TuneKind } from '../../../core/model/plan';
import type { ActionHandler, HandlerContext, Postcondition } from '../handler';
import { setBlockIoTune } from './block-iotune';
import { setCpuCap } from './cpu-cap';
import { setCpuShares } from './cpu-shares';
import { restoreVm, resumeVm, saveVm, suspendVm } from './lifecycle';
import { setMemory } from './memory';
import { setNetBandwidth } from './net-bandwidth';
import { pinVcpus } from './pin-vcpus';
import { setVcpus } from './vcpus';

export const TUNE_HANDLERS: { readonly [K in TuneKind]: ActionHandler<K> } = {
  set_cpu_shares: setCpuShares,
  set_cpu_cap: setCpuCap,
  set_memory: setMemory,
  set_vcpus: setVcpus,
  pin_vcpus: pinVcpus,
  set_block_iotune: setBlockIoTune,
  set_net_bandwidth: setNetBandwidth,
  suspend: suspendVm,
  resume: resumeVm,
  save: saveVm,
  restore: restoreVm,
};

export { migrateHandler, type MigrateOptions } from './migrate';

/**
 * The post-condition of a tune given as a plain value (a journal record, not a plan's
 * action): checked by its kind's schema first, then read back through its handler.
 */
export async function tunePostcondition(ctx: HandlerContext, value: unknown): Promise<Postcondition> {
  const invalid = actionError(value);
  if (invalid !== null) return { ok: false, error: `malformed action (${invalid})` };
  const action = value as Action; // the schema of its kind accepted it
  if (action.kind === 'migrate' || action.kind === 'restart')
    return { ok: false, error: `a ${action.kind} is located, not read back` };
  return postconditionOf(ctx, action);
}

function postconditionOf<K extends TuneKind>(
  ctx: HandlerContext,
  action: ActionOf<K>,
): Promise<Postcondition> {
  return TUNE_HANDLERS[action.kind as K].postcondition(ctx, action);
}
