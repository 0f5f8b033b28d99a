// The HA runtime of `vmpilot autoscaler` with `leader.etcd` (issue 15): the etcd client, the
// election and the journal in etcd, and what happens on a change of leader. Elected, this
// process reads the journal and reconciles the previous leader's in-flight actions against
// the hypervisors (the same reconcile as a restart) before its service may act; on standby
// it re-reads the journal now and then so its read-only API shows the leader's events.
// The operator's pause and API maintenance hosts live in etcd too (etcd-operator-state.ts):
// a new leader reads them before acting, so it honours what the previous leader was told.
import type { Logger } from 'pino';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { EtcdJournal } from '../journal/etcd-journal';
import { reconcileJournal, reconcileOpenUntilAnswered, type ReconcileOutcome } from '../journal/reconcile';
import type { LeaderConfig } from './config';
import { etcdClient } from './etcd-client';
import { EtcdOperatorState } from './etcd-operator-state';
import { EtcdLeadership, type ActingGate } from './leadership';

export interface HaOptions {
  leader: LeaderConfig;
  baseDir: string;
  keepDays: number;
  port: HypervisorPort;
  log: Logger;
  callTimeoutMs: number;
  /** How long a takeover waits for a migration job of the previous leader still running. */
  jobWaitMs: number;
  /**
   * Events the takeover left open (their host did not answer) are checked again this often
   * until closed, while this process leads (default 20 s; `vmpilot autoscaler` passes T2).
   */
  retryOpenMs?: number;
  onReconciled?: (r: ReconcileOutcome[]) => void;
}

export interface HaRuntime {
  journal: EtcdJournal;
  /** The pause and the API maintenance hosts, kept in etcd (the service's stores). */
  operatorState: EtcdOperatorState;
  /**
   * Called after each read of the operator state (before acting when elected; on standby
   * with each refresh): the service takes it (AutoscalerService.adoptKeptState).
   */
  onOperatorState(adopt: () => void): void;
  /** What the service asks before acting: elected, lease within its deadline, taken over. */
  gate: ActingGate;
  leadership: EtcdLeadership;
  /** Starts campaigning (call once the service exists). */
  start(): void;
  stop(): Promise<void>;
}

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function openHa(o: HaOptions): Promise<HaRuntime> {
  const cfg = o.leader.etcd;
  const client = etcdClient(cfg, o.baseDir);
  let takenOver = false;
  let generation = 0;
  /** Stops re-checking the events the last takeover left open (on step-down and stop). */
  let stopRetry: () => void = () => undefined;
  const leadership = new EtcdLeadership(client, cfg, o.log, async (leader) => {
    const gen = ++generation;
    takenOver = false;
    stopRetry();
    if (!leader) return;
    journal.resetFailure();
    await journal.load();
    const reconcileOpts = {
      port: o.port,
      journal,
      clock: Date.now,
      callTimeoutMs: o.callTimeoutMs,
      jobWaitMs: o.jobWaitMs,
      log: o.log,
      occasion: 'takeover' as const,
    };
    const reconciled = await reconcileJournal(reconcileOpts);
    // The previous leader's pause and maintenance hosts, before this one may act; a read
    // that fails throws, and the election steps down (acting without them would ignore the
    // operator).
    await operatorState.load();
    if (gen !== generation || !leadership.acting()) return;
    adopt();
    takenOver = true;
    stopRetry = reconcileOpenUntilAnswered(reconcileOpts, reconciled, o.retryOpenMs ?? 20_000);
    o.onReconciled?.(reconciled);
    o.log.info({ id: leadership.id, reconciled: reconciled.length }, 'leader: journal taken over, acting');
  });
  const journal = new EtcdJournal(client, cfg, leadership, o.log, o.keepDays);
  const operatorState = new EtcdOperatorState(client, cfg, leadership);
  let adopt: () => void = () => undefined;
  await operatorState
    .load()
    .catch((e: unknown) =>
      o.log.warn({ err: text(e) }, 'etcd operator state: cannot read it yet (read again when elected)'),
    );
  await journal
    .load()
    .catch((e: unknown) =>
      o.log.warn({ err: text(e) }, 'etcd journal: cannot read it yet (standby until etcd answers)'),
    );
  const gate: ActingGate = {
    acting: () => takenOver && leadership.acting(),
    standbyReason: () =>
      leadership.acting() && !takenOver
        ? 'standby: elected, taking over the journal (reconciling)'
        : leadership.standbyReason(),
  };
  let refresh: NodeJS.Timeout | null = null;
  return {
    journal,
    operatorState,
    onOperatorState(fn) {
      adopt = fn;
    },
    gate,
    leadership,
    start() {
      leadership.start();
      refresh = setInterval(() => {
        if (leadership.acting()) return;
        journal.load().catch((e: unknown) => o.log.debug({ err: text(e) }, 'etcd journal: refresh failed'));
        operatorState
          .load()
          .then(() => {
            if (!leadership.acting()) adopt();
          })
          .catch((e: unknown) => o.log.debug({ err: text(e) }, 'etcd operator state: refresh failed'));
      }, cfg.leaseSeconds * 1000);
      refresh.unref();
    },
    async stop() {
      if (refresh) clearInterval(refresh);
      stopRetry();
      generation++;
      takenOver = false;
      await journal.fence().catch(() => undefined); // the last states, while still leader
      await leadership.stop();
      client.close();
    },
  };
}

/**
 * The etcd journal read once, for `vmpilot plan` (cooldowns and ping-pong come from it); no
 * campaign, nothing written. Throws when etcd does not answer.
 */
export async function readEtcdJournal(
  leader: LeaderConfig,
  baseDir: string,
  log: Logger,
): Promise<{ journal: EtcdJournal; close(): void }> {
  const client = etcdClient(leader.etcd, baseDir);
  const journal = new EtcdJournal(
    client,
    leader.etcd,
    new EtcdLeadership(client, leader.etcd, log),
    log,
    Infinity,
  );
  try {
    await journal.load();
  } catch (e) {
    client.close();
    throw new Error(`cannot read the journal from etcd (${leader.etcd.endpoints.join(', ')}): ${text(e)}`, {
      cause: e,
    });
  }
  return { journal, close: () => client.close() };
}
