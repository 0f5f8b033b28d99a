import { AlertInbox } from './inbox';
import { webhookPayloadSchema, type WebhookPayload } from './webhook';

const T0 = Date.parse('2026-11-24T00:00:00Z');

function payload(
  alerts: { status: 'firing' | 'resolved'; host?: string; name?: string; fp: string }[],
): WebhookPayload {
  return webhookPayloadSchema.parse({
    version: '4',
    groupKey: '{}:{alertname="VmpilotHostOverloaded"}',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'vmpilot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname: a.name ?? 'VmpilotHostOverloaded', ...(a.host ? { host: a.host } : {}) },
      annotations: { summary: 'cpu above high in 3 of 5' },
      startsAt: '2026-11-23T23:59:00Z',
      endsAt: a.status === 'resolved' ? '2026-11-24T00:00:30Z' : '0001-01-01T00:00:00Z',
      fingerprint: a.fp,
    })),
  });
}

/** Receives and commits, as the service does once the events are journalled. */
function take(i: AlertInbox, p: WebhookPayload, now: number) {
  const r = i.receive(p, now);
  r.commit();
  return r;
}

const inbox = () => new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 60_000 });

describe('AlertInbox', () => {
  it('a firing hotspot alert puts its host in the hotspot set, with one alert event', () => {
    const i = inbox();
    const r = take(i, payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0);
    expect(r).toMatchObject({ accepted: 1, unchanged: 0, ignored: 0 });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      kind: 'alert',
      host: 'kvm-a',
      action: 'VmpilotHostOverloaded',
      result: 'completed',
      after: { status: 'firing', startsAt: '2026-11-23T23:59:00Z' },
      reason: { rule: 'alert.firing' },
    });
    expect((r.events[0].reason as { text: string }).text).toContain('kvm-a joins the hotspot set');
    expect([...i.hotHosts(T0)]).toEqual(['kvm-a']);
  });

  it('is idempotent: a retried or repeated notification adds no event', () => {
    const i = inbox();
    const first = take(i, payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0);
    const again = take(i, payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0 + 1000);
    expect(again).toMatchObject({ accepted: 0, unchanged: 1, events: [] });
    const resolved = take(i, payload([{ status: 'resolved', host: 'kvm-a', fp: 'f1' }]), T0 + 2000);
    const resolvedAgain = take(i, payload([{ status: 'resolved', host: 'kvm-a', fp: 'f1' }]), T0 + 3000);
    expect(resolved.events).toHaveLength(1);
    expect(resolvedAgain).toMatchObject({ accepted: 0, unchanged: 1, events: [] });
    // The same notification always names the same event.
    expect(first.events[0].id).toBe(
      inbox().receive(payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0 + 5000).events[0].id,
    );
    expect(resolved.events[0].id).not.toBe(first.events[0].id);
  });

  it('changes nothing until committed, so a notification whose journalling failed is processed again', () => {
    const i = inbox();
    const failed = i.receive(payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0);
    expect(failed.accepted).toBe(1);
    expect(i.hotHosts(T0).size).toBe(0);
    const retry = take(i, payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0 + 1000);
    expect(retry.accepted).toBe(1);
    expect(retry.events[0].id).toBe(failed.events[0].id);
    expect([...i.hotHosts(T0 + 1000)]).toEqual(['kvm-a']);
  });

  it('a resolved alert takes the host out of the hotspot set', () => {
    const i = inbox();
    take(
      i,
      payload([
        { status: 'firing', host: 'kvm-a', fp: 'f1' },
        { status: 'firing', host: 'kvm-b', fp: 'f2' },
      ]),
      T0,
    );
    const r = take(i, payload([{ status: 'resolved', host: 'kvm-a', fp: 'f1' }]), T0 + 1000);
    expect(r.events[0]).toMatchObject({ after: { status: 'resolved' }, reason: { rule: 'alert.resolved' } });
    expect([...i.hotHosts(T0 + 1000)]).toEqual(['kvm-b']);
  });

  it('other alerts are journalled but do not make hotspots; alerts without a host are ignored', () => {
    const i = inbox();
    const r = take(
      i,
      payload([
        { status: 'firing', host: 'kvm-a', name: 'VmpilotHypervisorDown', fp: 'f1' },
        { status: 'firing', name: 'Watchdog', fp: 'f2' },
      ]),
      T0,
    );
    expect(r).toMatchObject({ accepted: 1, ignored: 1 });
    expect(r.events[0].action).toBe('VmpilotHypervisorDown');
    expect(i.hotHosts(T0).size).toBe(0);
  });

  it('forgets a firing alert Alertmanager stopped re-sending (bounded in time and size)', () => {
    const i = inbox();
    take(i, payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]), T0);
    expect(i.hotHosts(T0 + 59_000).size).toBe(1);
    expect(i.hotHosts(T0 + 61_000).size).toBe(0);
    const small = new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 60_000, maxAlerts: 2 });
    for (let k = 0; k < 5; k++)
      take(small, payload([{ status: 'firing', host: `h${k}`, fp: `f${k}` }]), T0 + k);
    expect(small.size).toBe(2);
    expect([...small.hotHosts(T0 + 10)].sort()).toEqual(['h3', 'h4']);
  });
});

describe('webhookPayloadSchema', () => {
  it('rejects what is not an Alertmanager v4 notification, naming the field', () => {
    const good = payload([{ status: 'firing', host: 'kvm-a', fp: 'f1' }]);
    expect(webhookPayloadSchema.safeParse({ ...good, version: '3' }).success).toBe(false);
    const bad = webhookPayloadSchema.safeParse({
      ...good,
      alerts: [{ ...good.alerts[0], startsAt: 'yesterday' }],
    });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('startsAt');
    expect(
      webhookPayloadSchema.safeParse({ ...good, alerts: [{ ...good.alerts[0], fingerprint: '' }] }).success,
    ).toBe(false);
  });
});
