import type { Server } from 'node:http';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { TuningEvent } from '../../core/model/event';
import { AlertInbox } from '../alerts/inbox';
import type { WebhookPayload } from '../alerts/webhook';
import { closeServer, createApi, listen } from './server';

const ev = (i: number, kind: TuningEvent['kind'], vm: string): TuningEvent => ({
  id: `e${i}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  kind,
  vm,
  host: 'a',
  action: kind === 'global' ? 'migrate' : 'set_cpu_shares',
  before: null,
  after: null,
  result: 'completed',
  reason: 'r',
  phases: [],
});

describe('HTTP API', () => {
  let server: Server;
  let url: string;
  let paused = false;
  let pauseFails = false;
  const inbox = new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 60_000 });
  const received: WebhookPayload[] = [];
  const events = Array.from({ length: 25 }, (_, i) =>
    ev(i, i % 5 === 0 ? 'global' : 'local', i % 2 ? 'web1' : 'web2'),
  );
  beforeAll(async () => {
    const app = createApi({
      events: () => events,
      plan: async () => ({
        plan: { at: 0, held: [{ host: 'a', code: 'stale' as const, reason: 'stale' }], actions: [] },
        computedAt: Date.now() - 2000,
      }),
      setPaused: (p) => {
        if (pauseFails)
          throw new Error('pause state /var/lib/vmpilot/j.state.json: ENOSPC: no space left on device');
        paused = p;
      },
      paused: () => paused,
      dryRun: () => false,
      ready: () => ({ ready: false, reason: 'no successful round yet' }),
      registry: new Registry(),
      receiveAlerts: (payload) => {
        received.push(payload);
        const r = inbox.receive(payload, Date.UTC(2026, 0, 1));
        r.commit();
        return r;
      },
      token: 's3cret',
      log: pino({ level: 'silent' }),
    });
    ({ server, url } = await listen(app, '127.0.0.1', 0));
  });
  afterAll(() => closeServer(server));

  it('pages events with a "next" link until the last page', async () => {
    const seen: string[] = [];
    let next: string | null = '/api/v1/events?limit=10';
    while (next) {
      const body = (await (await fetch(url + next)).json()) as { events: TuningEvent[]; next: string | null };
      seen.push(...body.events.map((e) => e.id));
      next = body.next;
    }
    expect(seen).toEqual(events.map((e) => e.id));
  });

  it('filters by time range, vm and kind', async () => {
    const q = new URLSearchParams({
      from: '2026-01-01T00:05:00Z',
      to: String(Date.UTC(2026, 0, 1, 0, 15) / 1000),
      kind: 'global',
    });
    const body = (await (await fetch(`${url}/api/v1/events?${q}`)).json()) as { events: TuningEvent[] };
    expect(body.events.map((e) => e.id)).toEqual(['e5', 'e10', 'e15']);
    const byVm = (await (await fetch(`${url}/api/v1/events?vm=web1&limit=1000`)).json()) as {
      events: TuningEvent[];
    };
    expect(byVm.events.every((e) => e.vm === 'web1')).toBe(true);
    expect(byVm.events).toHaveLength(12);
  });

  it.each([
    ['from=yesterday', /from: not a time/],
    ['kind=weird', /kind/],
    ['limit=0', /limit/],
    ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', /"from" must not be after "to"/],
    ['color=blue', /color/],
  ])('rejects %s with 400 and a reason', async (qs, reason) => {
    const res = await fetch(`${url}/api/v1/events?${qs}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
  });

  it('serves the plan in the SPEC §11 shape, with its age, to the bearer of the configured token', async () => {
    expect((await fetch(`${url}/api/v1/plan`)).status).toBe(401);
    const res = await fetch(`${url}/api/v1/plan`, { headers: { authorization: 'Bearer s3cret' } });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      held: [{ host: 'a', code: 'stale' as const, reason: 'stale' }],
      actions: [],
    });
    expect(typeof body.at).toBe('string');
    expect(body.ageSeconds).toBeGreaterThanOrEqual(2);
  });

  it('pauses and resumes only with the bearer token', async () => {
    expect((await fetch(`${url}/api/v1/pause`, { method: 'POST' })).status).toBe(401);
    const wrong = await fetch(`${url}/api/v1/pause`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(paused).toBe(false);
    const ok = await fetch(`${url}/api/v1/pause`, {
      method: 'POST',
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(ok.status).toBe(200);
    expect(paused).toBe(true);
    await fetch(`${url}/api/v1/resume`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
    expect(paused).toBe(false);
  });

  it('answers 503, not 500, when the pause cannot be kept on disk (nothing changes)', async () => {
    pauseFails = true;
    try {
      const r = await fetch(`${url}/api/v1/pause`, {
        method: 'POST',
        headers: { authorization: 'Bearer s3cret' },
      });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: string }).error).toMatch(/ENOSPC/);
      expect(paused).toBe(false);
    } finally {
      pauseFails = false;
    }
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const r = await fetch(`${url}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.text()).toMatch(/no successful round/);
  });

  describe('POST /api/v1/alerts (Alertmanager webhook)', () => {
    const notification = {
      version: '4',
      groupKey: '{}:{alertname="VmpilotHostOverloaded"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'vmpilot',
      groupLabels: { alertname: 'VmpilotHostOverloaded' },
      commonLabels: { alertname: 'VmpilotHostOverloaded', host: 'a' },
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'VmpilotHostOverloaded', host: 'a' },
          annotations: { summary: 'cpu hot' },
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus/graph',
          fingerprint: 'c0ffee',
        },
      ],
    };
    const post = (body: unknown, token: string | null = 's3cret') =>
      fetch(`${url}/api/v1/alerts`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('needs the bearer token', async () => {
      expect((await post(notification, null)).status).toBe(401);
      expect((await post(notification, 'nope')).status).toBe(401);
      expect(received).toHaveLength(0);
    });

    it('rejects a body that is not a v4 notification with 400 and the field, losing nothing', async () => {
      const bad = await post({ ...notification, version: '3' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/version/);
      const notJson = await post('{"version":');
      expect(notJson.status).toBe(400);
      const noAlerts = await post({ ...notification, alerts: [{ status: 'firing' }] });
      expect(noAlerts.status).toBe(400);
      expect(((await noAlerts.json()) as { error: string }).error).toMatch(/alerts\.0\.labels/);
      expect(received).toHaveLength(0);
    });

    it('accepts a notification once; a retry is answered 200 with nothing new', async () => {
      const first = await post(notification);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ accepted: 1, unchanged: 0, ignored: 0 });
      const retry = await post(notification);
      expect(retry.status).toBe(200);
      expect(await retry.json()).toMatchObject({ accepted: 0, unchanged: 1, events: [] });
      expect([...inbox.hotHosts(Date.UTC(2026, 0, 1))]).toEqual(['a']);
    });
  });
});
