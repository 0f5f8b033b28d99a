// The parameters of each action kind, as zod schemas: the one definition of what a planner
// may ask and what the applier accepts. `core/model/plan.ts` builds the typed `Action` union
// from these types; the applier validates every action with `actionSchema` before anything
// else, so a malformed action (a hand-edited plan, a journal record, a planner bug) is
// refused with one line instead of reaching the hypervisor.
//
// Units: bytes, bytes per second, microseconds. 0 as an I/O limit and -1 as a CPU quota
// mean "no limit".
import { z } from 'zod';
import { reasonSchema } from './reason';

const count = z.number().int().nonnegative();
const device = z.string().min(1, 'a device name');
const savedImagePath = z.string().startsWith('/', 'an absolute path of the saved image');

/** Parameters per action kind (every applier handler reads exactly these keys). */
export const ACTION_PARAMS = {
  set_cpu_shares: z.strictObject({ shares: z.number().int().positive() }),
  set_cpu_cap: z.strictObject({
    periodUs: z.number().int().positive(),
    quotaUs: z
      .number()
      .int()
      .refine((q) => q === -1 || q > 0, 'quotaUs is -1 (no cap) or positive'),
  }),
  set_memory: z.strictObject({ bytes: z.number().int().positive() }),
  set_vcpus: z.strictObject({ count: z.number().int().positive() }),
  pin_vcpus: z.strictObject({ vcpu: count, cpus: z.array(count).min(1, 'at least one host CPU') }),
  set_block_iotune: z.strictObject({ device, totalBytesSec: count }),
  set_net_bandwidth: z.strictObject({ device, inboundBytesSec: count, outboundBytesSec: count }),
  /** Shortage handling (issue 13): pause a VM in memory on its host; `resume` runs it again. */
  suspend: z.strictObject({}),
  resume: z.strictObject({}),
  /** Shortage handling: save a VM's memory to `path` on its host (it stops); `restore` brings it back from there. */
  save: z.strictObject({ path: savedImagePath }),
  restore: z.strictObject({ path: savedImagePath }),
  /** A migration's destination is the action's `to`. */
  migrate: z.strictObject({}),
  /**
   * Start a VM of a failed host on the action's `to` from the definition kept while its host
   * was alive (issue 13); `from` is the failed host. The UUID names the VM across hosts.
   */
  restart: z.strictObject({ uuid: z.string().min(1, 'the VM UUID') }),
} as const;

export type ActionKind = keyof typeof ACTION_PARAMS;
/** Kinds that name a destination host (`to`): a migration, a restart after a host failure. */
export type PlacementKind = 'migrate' | 'restart';
/** Every kind but migration and restart: a change of one VM's resources on its host. */
export type TuneKind = Exclude<ActionKind, PlacementKind>;
export const ACTION_KINDS = Object.keys(ACTION_PARAMS) as ActionKind[];

/** The params of one kind (also the shape of its `before`). */
export type ActionParams<K extends ActionKind> = z.infer<(typeof ACTION_PARAMS)[K]>;

const name = z.string().min(1);

function schemaOf<K extends TuneKind>(kind: K) {
  const params = ACTION_PARAMS[kind];
  return z.strictObject({
    kind: z.literal(kind),
    vm: name,
    from: name,
    params,
    before: params.optional(),
    reason: reasonSchema,
  });
}

const migrateSchema = z
  .strictObject({
    kind: z.literal('migrate'),
    vm: name,
    from: name,
    to: name,
    params: ACTION_PARAMS.migrate,
    before: ACTION_PARAMS.migrate.optional(),
    reason: reasonSchema,
  })
  .refine((a) => a.to !== a.from, { message: 'destination is the source host', path: ['to'] });

const restartSchema = z
  .strictObject({
    kind: z.literal('restart'),
    vm: name,
    from: name,
    to: name,
    params: ACTION_PARAMS.restart,
    before: ACTION_PARAMS.restart.optional(),
    reason: reasonSchema,
  })
  .refine((a) => a.to !== a.from, { message: 'destination is the failed host', path: ['to'] });

/** The schema of a whole action of each kind. */
export const ACTION_SCHEMAS = {
  set_cpu_shares: schemaOf('set_cpu_shares'),
  set_cpu_cap: schemaOf('set_cpu_cap'),
  set_memory: schemaOf('set_memory'),
  set_vcpus: schemaOf('set_vcpus'),
  pin_vcpus: schemaOf('pin_vcpus'),
  set_block_iotune: schemaOf('set_block_iotune'),
  set_net_bandwidth: schemaOf('set_net_bandwidth'),
  suspend: schemaOf('suspend'),
  resume: schemaOf('resume'),
  save: schemaOf('save'),
  restore: schemaOf('restore'),
  migrate: migrateSchema,
  restart: restartSchema,
} as const;

/**
 * Checks a value against the schema of its `kind`: null when valid, else one line naming
 * the first offending field ("params.bytes: Too small: expected number to be >0").
 */
export function actionError(value: unknown): string | null {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !(kind in ACTION_SCHEMAS))
    return `kind: unknown action kind ${JSON.stringify(kind)}`;
  const r = ACTION_SCHEMAS[kind as ActionKind].safeParse(value);
  if (r.success) return null;
  const issue = r.error.issues[0];
  const where = issue.path.length > 0 ? issue.path.join('.') : 'action';
  return `${where}: ${issue.message}`;
}
