// Leader election on etcd (issue 15): several autoscalers campaign for one key attached to a
// lease; the one whose create-if-absent transaction succeeds leads until its lease ends.
// etcd does the consensus; this file only follows its standard recipe (a leased key, a
// create-revision compare) and adds the fencing the leader needs on its own side:
//
// - a local lease deadline, measured on the monotonic clock from the moment each grant or
//   keepalive was *sent* (etcd starts the TTL no earlier), so the leader stops acting a
//   margin before etcd can let the lease expire — also after a pause (SIGSTOP), since the
//   monotonic clock runs on while the process is stopped;
// - a fencing token: the create revision of the leader key this process won. Every journal
//   write that precedes an action is a transaction comparing that revision (etcd-journal.ts),
//   so a leader that lost its key (expired, revoked, re-created by another) is refused and
//   steps down even if its local clock check were wrong.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from 'pino';
import { withDeadline } from '../../core/hypervisor/errors';
import { JournalUnwritableError } from '../journal/journal';
import type { EtcdConfig } from './config';

/** This process may not act or write: it is not (or no longer) the leader. */
// A JournalUnwritableError, so the API answers 503 + Retry-After (send it to the leader).
export class NotLeaderError extends JournalUnwritableError {}

/** What the service and the journal ask of the election. */
export interface ActingGate {
  /** True while this process is the leader and its lease is safely within its deadline. */
  acting(): boolean;
  /** Why not acting, one line (for hold reasons, /readyz and errors). */
  standbyReason(): string;
}

/** The compare every fenced write carries: the leader key still holds our create revision. */
export interface Fence {
  key: string;
  createRevision: string;
}

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class EtcdLeadership implements ActingGate {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly key: string;
  private lease: Lease | null = null;
  /** Monotonic ms after which etcd may have expired our lease. */
  private deadline = 0;
  private revision: string | null = null;
  private leaderSeen = 'unknown';
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly leaseMs: number;
  private readonly callMs: number;
  /** Stop acting this long before the lease deadline: one etcd call plus slack. */
  readonly marginMs: number;

  constructor(
    private readonly client: Etcd3,
    private readonly cfg: EtcdConfig,
    private readonly log: Logger,
    /** Called on every change: true when elected (before acting), false when stepping down. */
    private readonly onChange: (leader: boolean) => Promise<void> | void = () => undefined,
  ) {
    this.key = `${cfg.prefix}/leader`;
    this.leaseMs = cfg.leaseSeconds * 1000;
    this.callMs = cfg.callTimeoutSeconds * 1000;
    this.marginMs = Math.min(this.leaseMs / 2, this.callMs + 500);
  }

  /**
   * Campaigns now and then every third of the time a renewal keeps the leader acting (lease
   * minus margin), so two renewals may fail or run late before it stops acting.
   */
  start(): void {
    const period = Math.max(100, Math.floor((this.leaseMs - this.marginMs) / 3));
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, period);
      });
    };
    loop();
  }

  acting(now = performance.now()): boolean {
    if (this.revision === null) return false;
    if (now < this.deadline - this.marginMs) return true;
    this.stepDown('lease not renewed in time: stopping before it can expire');
    return false;
  }

  standbyReason(): string {
    if (this.acting()) return 'leader';
    return `standby: not the leader (leader: ${this.leaderSeen})`;
  }

  /** The fencing compare of a write; throws NotLeaderError unless this process may act now. */
  fence(): Fence {
    if (!this.acting() || this.revision === null) throw new NotLeaderError(this.standbyReason());
    return { key: this.key, createRevision: this.revision };
  }

  /** A fenced write was refused: someone else holds the key now. */
  refused(why: string): void {
    this.stepDown(`write refused by etcd (${why})`);
  }

  private call<T>(what: string, p: Promise<T>): Promise<T> {
    return withDeadline(`etcd ${what}`, this.callMs, p);
  }

  private async tick(): Promise<void> {
    try {
      if (this.revision !== null) await this.renew();
      else await this.campaign();
    } catch (e) {
      this.log.warn({ err: text(e), leader: this.revision !== null }, 'etcd: leadership call failed');
      this.acting(); // steps down once the deadline is near, whatever etcd answers
    }
  }

  private async renew(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    const sentAt = performance.now();
    const r = await this.call('lease keepalive', lease.keepaliveOnce());
    if (Number(r.TTL) <= 0) return this.stepDown('lease expired in etcd');
    if (this.lease === lease && this.revision !== null) this.deadline = sentAt + Number(r.TTL) * 1000;
  }

  private async campaign(): Promise<void> {
    const sentAt = performance.now();
    let lease = this.lease;
    let ttlMs = this.leaseMs;
    if (lease) {
      // A lease kept from a lost campaign: renew it first, so the deadline is fresh.
      const r = await this.call('lease keepalive', lease.keepaliveOnce()).catch(() => null);
      if (r === null || Number(r.TTL) <= 0) lease = null;
      else ttlMs = Number(r.TTL) * 1000;
    }
    if (!lease) {
      this.dropLease();
      lease = this.client.lease(this.cfg.leaseSeconds, { autoKeepAlive: false });
      lease.on('lost', () => undefined); // handled by the deadline and the fence
      this.lease = lease;
    }
    const leaseId = await this.call('lease grant', lease.grant());
    const r = await this.call(
      'campaign',
      this.client
        .if(this.key, 'Create', '==', 0)
        .then(this.client.put(this.key).value(this.id).lease(leaseId))
        .else(this.client.get(this.key))
        .commit(),
    );
    if (!r.succeeded) {
      const kv = r.responses[0]?.response_range?.kvs?.[0];
      this.leaderSeen = kv ? kv.value.toString() : 'unknown';
      return;
    }
    this.revision = String(r.header.revision);
    this.deadline = sentAt + ttlMs;
    this.leaderSeen = this.id;
    this.log.info(
      { id: this.id, revision: this.revision, leaseSeconds: this.cfg.leaseSeconds },
      'elected leader',
    );
    // Not awaited: taking over (reconciling) may outlast the lease, which this loop renews.
    const revision = this.revision;
    void Promise.resolve()
      .then(() => this.onChange(true))
      .catch((e: unknown) => {
        if (this.revision === revision) this.stepDown(`could not take over: ${text(e)}`);
      });
  }

  /** Stops acting at once and gives the key up (revoke, best effort: else it expires). */
  stepDown(why: string): void {
    if (this.revision === null) return;
    this.revision = null;
    this.deadline = 0;
    this.leaderSeen = 'unknown';
    this.log.warn({ id: this.id, why }, 'stepping down: no longer the leader');
    this.dropLease();
    void Promise.resolve(this.onChange(false)).catch(() => undefined);
  }

  private dropLease(): void {
    const lease = this.lease;
    this.lease = null;
    if (lease) void this.call('lease revoke', lease.revoke()).catch(() => undefined);
  }

  /** Stops campaigning; a leader gives its key up so another takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const lease = this.lease;
    this.revision = null;
    this.lease = null;
    if (lease) await this.call('lease revoke', lease.revoke()).catch(() => undefined);
  }
}
