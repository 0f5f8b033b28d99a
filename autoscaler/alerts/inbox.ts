// What Alertmanager has told the autoscaler: the alerts firing now, by fingerprint. Feeds
// the planner's hotspot set (a host with a firing hotspot alert counts as overloaded
// without waiting for the planner's own k-of-n: the alert rule already required
// persistence, with k-of-n in its expression or a `for:`, see alerts/vmpilot-rules.yml) and the journal (one `alert` event per change of
// an alert: firing, resolved).
//
// Idempotent: Alertmanager retries failed posts and re-sends every group on each
// group_interval / repeat_interval. An alert is identified by its fingerprint and start
// time; a notification that changes nothing changes nothing here either (no event).
// Bounded: alerts not re-sent within `ttlMs` expire (Alertmanager re-sends firing alerts at
// least every repeat_interval), and at most `maxAlerts` are kept (oldest dropped).
import { createHash } from 'node:crypto';
import type { TuningEvent } from '../../core/model/event';
import { WEBHOOK_SLICE, yieldToEventLoop, type WebhookAlert, type WebhookPayload } from './webhook';

export interface AlertInboxOptions {
  /** Alert names that mark their `host` as a hotspot. */
  hotspotAlerts: readonly string[];
  /** A firing alert not re-sent for this long is forgotten (ms). */
  ttlMs: number;
  /** At most this many firing alerts are kept. */
  maxAlerts?: number;
}

interface FiringAlert {
  fingerprint: string;
  name: string;
  host: string;
  startsAt: string;
  lastSeenMs: number;
}

export type AlertOutcome = 'accepted' | 'unchanged' | 'ignored';

export interface ReceiveResult {
  /** What became of each alert of the notification, in its order. */
  outcomes: AlertOutcome[];
  /** Alerts that changed state here (each journalled as one event). */
  accepted: number;
  /** Alerts this inbox already knew in that state (retries, repeats). */
  unchanged: number;
  /** Alerts without a `host` label: nothing to act on. */
  ignored: number;
  events: TuningEvent[];
  /**
   * Makes the changes take effect. The caller journals `events` first: when that fails the
   * inbox is unchanged, so Alertmanager's retry of the notification is processed again.
   */
  commit(): void;
}

const ZERO_TIME = /^0001-01-01T/;

export class AlertInbox {
  private readonly firing = new Map<string, FiringAlert>();
  private hotspotNames: Set<string>;
  private readonly maxAlerts: number;
  private o: AlertInboxOptions;

  constructor(options: AlertInboxOptions) {
    this.o = options;
    this.hotspotNames = new Set(options.hotspotAlerts);
    this.maxAlerts = options.maxAlerts ?? 10_000;
  }

  /** Config reload: new hotspot names and TTL; the alerts already firing are kept. */
  reconfigure(o: Pick<AlertInboxOptions, 'hotspotAlerts' | 'ttlMs'>): void {
    this.o = { ...this.o, ...o };
    this.hotspotNames = new Set(o.hotspotAlerts);
  }

  /** Reads one webhook notification: what it changes, and the events to journal before `commit()`. */
  receive(payload: WebhookPayload, nowMs: number): ReceiveResult {
    const { out, take } = this.reader(nowMs);
    for (const a of payload.alerts) take(a);
    return out;
  }

  /**
   * receive(), `slice` alerts at a time with the event loop served between slices (a
   * 10,000-alert notification). Nothing changes before `commit()`; a notification read
   * meanwhile sees the inbox as it was and would take the same alerts as new, so the caller
   * reads one notification at a time, up to its commit (service.receiveAlerts).
   */
  async receiveInSlices(
    payload: WebhookPayload,
    nowMs: number,
    slice = WEBHOOK_SLICE,
  ): Promise<ReceiveResult> {
    const { out, take } = this.reader(nowMs);
    for (let from = 0; from < payload.alerts.length; from += slice) {
      if (from > 0) await yieldToEventLoop();
      for (const a of payload.alerts.slice(from, from + slice)) take(a);
    }
    return out;
  }

  /** The result being built and the step that reads one alert into it. */
  private reader(nowMs: number): { out: ReceiveResult; take: (a: WebhookAlert) => void } {
    this.expire(nowMs);
    const staged: (() => void)[] = [];
    const out: ReceiveResult = {
      outcomes: [],
      accepted: 0,
      unchanged: 0,
      ignored: 0,
      events: [],
      commit: () => {
        for (const apply of staged.splice(0)) apply();
        this.bound();
      },
    };
    const count = (o: AlertOutcome) => {
      out.outcomes.push(o);
      out[o]++;
    };
    const take = (a: WebhookAlert) => {
      const host = a.labels.host;
      if (!host) {
        count('ignored');
        return;
      }
      const have = this.firing.get(a.fingerprint);
      if (a.status === 'firing') {
        if (have && have.startsAt === a.startsAt) {
          staged.push(() => (have.lastSeenMs = nowMs));
          count('unchanged');
          return;
        }
        const alert: FiringAlert = {
          fingerprint: a.fingerprint,
          name: a.labels.alertname ?? '(unnamed)',
          host,
          startsAt: a.startsAt,
          lastSeenMs: nowMs,
        };
        staged.push(() => this.firing.set(a.fingerprint, alert));
      } else {
        if (!have) {
          count('unchanged'); // already resolved here, or never seen (nothing to undo)
          return;
        }
        staged.push(() => this.firing.delete(a.fingerprint));
      }
      count('accepted');
      out.events.push(this.event(a, host, nowMs));
    };
    return { out, take };
  }

  /** Hosts with a firing hotspot alert. */
  hotHosts(nowMs: number): Set<string> {
    this.expire(nowMs);
    const hosts = new Set<string>();
    for (const a of this.firing.values()) if (this.hotspotNames.has(a.name)) hosts.add(a.host);
    return hosts;
  }

  /** Number of firing alerts known. */
  get size(): number {
    return this.firing.size;
  }

  private expire(nowMs: number): void {
    for (const [fp, a] of this.firing) if (nowMs - a.lastSeenMs > this.o.ttlMs) this.firing.delete(fp);
  }

  private bound(): void {
    while (this.firing.size > this.maxAlerts) {
      let oldest: FiringAlert | undefined;
      for (const a of this.firing.values()) if (!oldest || a.lastSeenMs < oldest.lastSeenMs) oldest = a;
      if (!oldest) return;
      this.firing.delete(oldest.fingerprint);
    }
  }

  private event(a: WebhookAlert, host: string, nowMs: number): TuningEvent {
    const name = a.labels.alertname ?? '(unnamed)';
    const hotspot = this.hotspotNames.has(name);
    const summary = a.annotations.summary ?? a.annotations.description;
    const effect =
      a.status === 'firing'
        ? hotspot
          ? `${host} joins the hotspot set`
          : 'recorded (not a hotspot alert)'
        : hotspot
          ? `${host} leaves the hotspot set (unless the planner's own k-of-n still finds it hot)`
          : 'recorded';
    const endsAt = ZERO_TIME.test(a.endsAt) ? undefined : a.endsAt;
    return {
      // Deterministic: the same notification always names the same event.
      id: `alert-${createHash('sha256').update(`${a.fingerprint}|${a.startsAt}|${a.status}`).digest('hex').slice(0, 16)}`,
      time: new Date(nowMs).toISOString(),
      kind: 'alert',
      vm: a.labels.domain ?? '',
      host,
      action: name,
      before: { status: a.status === 'firing' ? 'inactive' : 'firing' },
      after: { status: a.status, startsAt: a.startsAt, ...(endsAt ? { endsAt } : {}) },
      result: 'completed',
      reason: {
        rule: a.status === 'firing' ? 'alert.firing' : 'alert.resolved',
        text: `Alertmanager: ${name} ${a.status} on ${host}${summary ? ` (${summary})` : ''}: ${effect}`,
        scores: {},
        alternatives: [],
      },
      phases: [],
    };
  }
}
