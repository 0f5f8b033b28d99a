// The operator's state in etcd (issue 15), for autoscalers that elect a leader there: the
// pause (POST /api/v1/pause|resume) and the hosts put in maintenance through the API. Without
// etcd each is a file beside the journal (pause-state.ts, maintenance-state.ts); with it, a
// new leader must honour what the operator told the previous one, so both live in etcd:
//   PREFIX/state/pause        the pause state, the same JSON as the file
//   PREFIX/state/maintenance  the API maintenance hosts, the same JSON as the file
// `load()` reads both into memory (at start, before acting after each election, and now and
// then on standby for the read-only API); the stores' `load()` answer from memory. A save is
// one transaction guarded like the journal's writes (the leader key still has this
// process's create revision) and resolves only once etcd accepted it; refused, the process
// steps down and the operator gets an error (503), not a change a takeover would undo.
import type { Etcd3 } from 'etcd3';
import { withDeadline } from '../../core/hypervisor/errors';
import {
  maintenanceStateText,
  parseMaintenanceState,
  type MaintenanceEntry,
  type MaintenanceStore,
} from '../service/maintenance-state';
import { parsePauseState, pauseStateText, type PauseState, type PauseStore } from '../service/pause-state';
import type { EtcdConfig } from './config';
import { NotLeaderError, type EtcdLeadership } from './leadership';

export class EtcdOperatorState {
  readonly pauseKey: string;
  readonly maintenanceKey: string;
  private pause: PauseState | undefined;
  private hosts: MaintenanceEntry[] = [];
  private readonly callMs: number;
  readonly pauseStore: PauseStore;
  readonly maintenanceStore: MaintenanceStore;

  constructor(
    private readonly client: Etcd3,
    cfg: EtcdConfig,
    private readonly leadership: EtcdLeadership,
  ) {
    this.pauseKey = `${cfg.prefix}/state/pause`;
    this.maintenanceKey = `${cfg.prefix}/state/maintenance`;
    this.callMs = cfg.callTimeoutSeconds * 1000;
    this.pauseStore = {
      file: `etcd key ${this.pauseKey}`,
      load: () => (this.pause ? { ...this.pause } : undefined),
      save: async (paused, at) => {
        await this.put(this.pauseKey, pauseStateText(paused, at));
        this.pause = { paused, at: at.toISOString() };
      },
    };
    this.maintenanceStore = {
      file: `etcd key ${this.maintenanceKey}`,
      load: () => this.hosts.map((e) => ({ ...e })),
      save: async (entries) => {
        await this.put(this.maintenanceKey, maintenanceStateText(entries));
        this.hosts = entries.map((e) => ({ ...e }));
      },
    };
  }

  /** Reads both keys (throws when etcd does not answer or a value is malformed). */
  async load(): Promise<void> {
    const [pause, hosts] = await withDeadline(
      'etcd operator state read',
      this.callMs,
      Promise.all([this.client.get(this.pauseKey).string(), this.client.get(this.maintenanceKey).string()]),
    );
    const p = pause === null ? undefined : parsePauseState(pause, `etcd key ${this.pauseKey}`);
    const h = hosts === null ? [] : parseMaintenanceState(hosts, `etcd key ${this.maintenanceKey}`);
    this.pause = p;
    this.hosts = h;
  }

  /** One write under the leader's fence; NotLeaderError when this process may not act. */
  private async put(key: string, value: string): Promise<void> {
    const fence = this.leadership.fence();
    const r = await withDeadline(
      `etcd write of ${key}`,
      this.callMs,
      this.client
        .if(fence.key, 'Create', '==', fence.createRevision)
        .then(this.client.put(key).value(value))
        .commit(),
    );
    if (!r.succeeded) {
      const why = `leader key ${fence.key} no longer has create revision ${fence.createRevision}`;
      this.leadership.refused(why);
      throw new NotLeaderError(`${key} not written: ${why}`);
    }
  }
}
