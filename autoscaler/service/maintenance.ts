// Hosts in maintenance and where each came from: the config (capacity.hosts.HOST.maintenance,
// planner.maintenanceHosts) or the operator through the API. An API change is kept
// (maintenance-state.ts) and becomes an `operator` event; the planner sees an API host
// exactly as a config one: the snapshot's `maintenance` flag (drain: never a destination,
// its VMs moved off in the global round).
import { randomUUID } from 'node:crypto';
import type { TuningEvent } from '../../core/model/event';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { LoadedConfig } from '../config/load';
import type { MaintenanceEntry, MaintenanceStore } from './maintenance-state';

export type MaintenanceSource = 'config' | 'api';

export interface MaintenanceListing {
  host: string;
  source: MaintenanceSource;
  /** API only: when the operator asked for it. */
  since?: string;
  reason?: string;
}

/** DELETE of a host whose maintenance is set in the config file (HTTP 409). */
export class MaintenanceConflictError extends Error {
  readonly status = 409;
}

/** A host no hypervisor knows (HTTP 404). */
export class UnknownHostError extends Error {
  readonly status = 404;
}

/** Hosts the config puts in maintenance. */
export function configMaintenanceHosts(cfg: LoadedConfig): Set<string> {
  const hosts = new Set(cfg.planner.maintenanceHosts);
  for (const [host, c] of Object.entries(cfg.capacity.hosts)) if (c.maintenance) hosts.add(host);
  return hosts;
}

export interface MaintenanceChange {
  /** False when the host already was (or was not) in API maintenance: nothing to do. */
  changed: boolean;
  /** The event to journal, when changed. */
  event?: TuningEvent;
  /** Makes the change take effect (after the event is journalled). */
  commit(): void;
  /** Puts the kept state back (the event could not be journalled). */
  undo(): void | Promise<void>;
}

export class HostMaintenance {
  private api: Map<string, MaintenanceEntry>;

  constructor(
    private readonly store: MaintenanceStore,
    private fromConfig: ReadonlySet<string>,
  ) {
    this.api = new Map(store.load().map((e) => [e.host, e]));
  }

  get file(): string {
    return this.store.file;
  }

  /** Every host in maintenance, config first, then the API's, each sorted by name. */
  list(): MaintenanceListing[] {
    const config = [...this.fromConfig].sort().map((host) => ({ host, source: 'config' as const }));
    const api = [...this.api.values()]
      .sort((a, b) => a.host.localeCompare(b.host))
      .map((e) => ({ ...e, source: 'api' as const }));
    return [...config, ...api];
  }

  /** Config reload: the hosts the config puts in maintenance now. */
  setConfigHosts(hosts: ReadonlySet<string>): void {
    this.fromConfig = hosts;
  }

  /** Reads the kept API hosts again (with etcd: a new leader takes over the previous one's). */
  reload(): void {
    this.api = new Map(this.store.load().map((e) => [e.host, e]));
  }

  apiHosts(): string[] {
    return [...this.api.keys()];
  }

  /**
   * Prepares turning API maintenance of `host` on or off. The new state is kept (state file
   * or etcd) here (a write error changes nothing); `commit()` after the event is
   * journalled, `undo()` if that fails.
   */
  async change(host: string, on: boolean, at: Date, reason?: string): Promise<MaintenanceChange> {
    const before = this.api.get(host);
    const noop = { changed: false, commit: () => undefined, undo: () => undefined };
    if (on && before) return noop;
    if (!on && !before) {
      if (this.fromConfig.has(host))
        throw new MaintenanceConflictError(
          `${host} is in maintenance by the config (capacity.hosts.${host}.maintenance or planner.maintenanceHosts): change the config file and restart`,
        );
      return noop;
    }
    const next = new Map(this.api);
    const entry: MaintenanceEntry = { host, since: at.toISOString(), ...(reason ? { reason } : {}) };
    if (on) next.set(host, entry);
    else next.delete(host);
    const previous = [...this.api.values()];
    await this.store.save([...next.values()]);
    const stillByConfig = !on && this.fromConfig.has(host) ? ' (still in maintenance by the config)' : '';
    const event: TuningEvent = {
      id: `maintenance-${randomUUID()}`,
      time: at.toISOString(),
      kind: 'operator',
      vm: '',
      host,
      action: 'maintenance',
      before: { maintenance: !on },
      after: { maintenance: on, ...(reason ? { reason } : {}) },
      result: 'completed',
      reason: {
        rule: on ? 'operator.maintenance.on' : 'operator.maintenance.off',
        text: on
          ? `operator put ${host} in maintenance through the API${reason ? ` (${reason})` : ''}: no new VMs there, its VMs are moved off`
          : `operator took ${host} out of maintenance through the API${reason ? ` (${reason})` : ''}: a destination again${stillByConfig}`,
        scores: {},
        alternatives: [],
      },
      phases: [],
    };
    return {
      changed: true,
      event,
      commit: () => {
        this.api = next;
      },
      undo: () => this.store.save(previous),
    };
  }

  /** Marks the API's maintenance hosts in the round's snapshot, as the config's are. */
  mark(snapshot: ClusterSnapshot): void {
    for (const h of snapshot.hosts) if (this.api.has(h.name)) h.maintenance = true;
  }
}
