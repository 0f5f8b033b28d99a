// Guards of the planner (SPEC §7): per-VM cooldown after a migration, no ping-pong (a VM is
// not moved back to a host it left within N global rounds), stale or down data → hold. The
// operator's pause and dry-run are not the planner's: the service holds every host while
// paused and the applier is the one gate for both (autoscaler/applier/).
import type { HeldHost } from '../../core/model/hold';
import type { ClusterSnapshot, HostSnapshot } from '../../core/model/snapshot';
import { staleHold } from '../../core/model/staleness';
import type { PlannerConfig } from './config';

export interface MigrationRecord {
  vm: string;
  from: string;
  to: string;
  /** ms since the epoch. */
  at: number;
}

/** Seconds since the VM's latest migration, Infinity if it never moved. */
export function secondsSinceLastMove(vm: string, history: readonly MigrationRecord[], now: number): number {
  let latest = -Infinity;
  for (const m of history) if (m.vm === vm && m.at > latest) latest = m.at;
  return (now - latest) / 1000;
}

export function inCooldown(
  vm: string,
  history: readonly MigrationRecord[],
  now: number,
  cooldownSeconds: number,
): boolean {
  return secondsSinceLastMove(vm, history, now) < cooldownSeconds;
}

/** Moving `vm` to `to` would send it back to a host it left within the window (inclusive). */
export function isPingPong(
  vm: string,
  to: string,
  history: readonly MigrationRecord[],
  now: number,
  windowSeconds: number,
): boolean {
  for (const m of history)
    if (m.vm === vm && m.from === to && (now - m.at) / 1000 <= windowSeconds) return true;
  return false;
}

/** Migrations indexed by VM once per round (the hot path checks them per candidate). */
export function indexHistory(history: readonly MigrationRecord[]): Map<string, MigrationRecord[]> {
  const byVm = new Map<string, MigrationRecord[]>();
  for (const m of history) {
    let list = byVm.get(m.vm);
    if (!list) byVm.set(m.vm, (list = []));
    list.push(m);
  }
  return byVm;
}

/** Why a host must be held this round, or undefined when the planner may act on it. */
export function holdReason(
  host: HostSnapshot,
  snapshot: ClusterSnapshot,
  cfg: Pick<PlannerConfig, 'staleIntervals'>,
  now: number,
): Omit<HeldHost, 'host'> | undefined {
  if (!host.up) return { code: 'host_down', reason: 'host down or its data incomplete' };
  const age = Math.max(host.ageSeconds, (now - snapshot.at) / 1000);
  return staleHold(age, snapshot.intervalSeconds, cfg.staleIntervals);
}

/**
 * The migration of a VM that is still reported on its source although it left less than
 * `withinSeconds` ago: in flight (or its outcome not yet seen). The planner reserves its
 * demand on the destination, so a second VM is not sent there on the same free capacity.
 */
export function inFlightMigration(
  vm: string,
  host: string,
  past: readonly MigrationRecord[],
  now: number,
  withinSeconds: number,
): MigrationRecord | undefined {
  let latest: MigrationRecord | undefined;
  for (const m of past) if (m.vm === vm && (!latest || m.at > latest.at)) latest = m;
  if (!latest || latest.from !== host || latest.to === host) return undefined;
  return (now - latest.at) / 1000 < withinSeconds ? latest : undefined;
}
