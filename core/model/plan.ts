// A plan: what one planner round wants done, every action with its reason.
import type { ActionKind, ActionParams, PlacementKind, TuneKind } from './action';
import type { HeldHost, HeldVm } from './hold';
import type { MigrationHold } from './migration-window';
import type { Reason } from './reason';

export type { Reason } from './reason';

export {
  ACTION_KINDS,
  ACTION_PARAMS,
  ACTION_SCHEMAS,
  actionError,
  type ActionKind,
  type ActionParams,
  type PlacementKind,
  type TuneKind,
} from './action';

interface ActionOfKind<K extends ActionKind> {
  kind: K;
  vm: string;
  /** Host the VM is on. */
  from: string;
  /** Kind-specific parameters (core/model/action.ts ACTION_PARAMS). */
  params: ActionParams<K>;
  /** Values before the action, when known, in the same keys as params. */
  before?: ActionParams<K>;
  reason: Reason;
}

/** The action of one kind: a migration or a restart names its destination, a tune has none. */
export type ActionOf<K extends ActionKind> = ActionOfKind<K> &
  (K extends PlacementKind ? { /** Destination host. */ to: string } : { to?: undefined });

/** A live migration of `vm` from `from` to `to`. */
export type MigrateAction = ActionOf<'migrate'>;

/** A change of one VM's resources on its host (every kind but migration). */
export type TuneAction = { [K in TuneKind]: ActionOf<K> }[TuneKind];

/** A restart of a failed host's VM (`from`) on `to`, from its kept definition. */
export type RestartAction = ActionOf<'restart'>;

/** One planned action, discriminated on `kind`. */
export type Action = TuneAction | MigrateAction | RestartAction;

/** A migration the planner considered and did not plan, with why (e.g. its cost exceeds its relief). */
export interface DeclinedMove {
  vm: string;
  from: string;
  to: string;
  reason: Reason;
}

export interface Plan {
  at: number;
  /** Hosts the planner refused to act on this round (stale data, paused, …). */
  held: HeldHost[];
  /** VMs held on hosts that are not (no samples yet): no action on them this round. */
  heldVms?: HeldVm[];
  actions: Action[];
  /** Migrations considered and declined this round (global rounds; absent when none). */
  declined?: DeclinedMove[];
  /**
   * No migration may start this round (issue 14: outside every `planner.migrationWindows`
   * schedule); local tuning goes on. Absent when migrations may start.
   */
  migrationHold?: MigrationHold;
}
