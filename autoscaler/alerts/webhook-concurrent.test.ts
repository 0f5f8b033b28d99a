// Concurrent Alertmanager notifications (issue 17): Alertmanager sends each group's
// notifications one after the other, but different groups, receivers or an HA pair post at
// the same time, and a large notification is read in slices with the event loop served
// between them. Several POSTs carrying the same alerts, fired at once at the real API,
// service, inbox and journal, must journal each alert exactly once and report it accepted
// exactly once in total.
import { alertPayload, startWebhookRig, type WebhookRig } from '../../test/helpers/webhook-rig';
import { WEBHOOK_SLICE } from './webhook';

interface Answer {
  accepted: number;
  unchanged: number;
  events: string[];
}

describe('POST /api/v1/alerts: concurrent notifications journal each alert once', () => {
  let rig: WebhookRig;
  beforeEach(async () => {
    rig = await startWebhookRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  /** Journal lines per event id. */
  const linesPerId = () => {
    const n = new Map<string, number>();
    for (const l of rig.journalLines()) {
      const id = (JSON.parse(l) as { id: string }).id;
      n.set(id, (n.get(id) ?? 0) + 1);
    }
    return n;
  };
  const postAll = async (bodies: unknown[]) => {
    const answers = await Promise.all(bodies.map((b) => rig.post(b)));
    for (const a of answers) expect(a.status).toBe(200);
    return Promise.all(answers.map(async (a) => (await a.json()) as Answer));
  };
  const accepted = async (status: string) =>
    (await rig.metrics.alertsReceived.get()).values.find(
      (v) => v.labels.status === status && v.labels.outcome === 'accepted',
    )?.value ?? 0;

  it('four identical notifications of several slices each, posted at once', async () => {
    const n = 3 * WEBHOOK_SLICE; // read in three slices, so the requests interleave
    const answers = await postAll(Array.from({ length: 4 }, () => alertPayload(n)));
    const perId = linesPerId();
    expect(perId.size).toBe(n);
    expect([...perId.values()].filter((c) => c !== 1).length).toBe(0); // ids journalled twice
    expect(answers.reduce((s, a) => s + a.accepted, 0)).toBe(n);
    expect(answers.reduce((s, a) => s + a.unchanged, 0)).toBe(3 * n);
    // Every id answered as accepted is journalled, and no id is answered accepted twice.
    const answered = answers.flatMap((a) => a.events);
    expect(new Set(answered).size).toBe(answered.length);
    expect([...answered].sort().join()).toBe([...perId.keys()].sort().join());
    expect(await accepted('firing')).toBe(n);
  });

  it('overlapping notifications, then their resolutions, posted at once', async () => {
    // Request k carries alerts k*1000 … k*1000+2499: neighbours share 1,500 alerts.
    const bodies = [0, 1, 2, 3].map((k) => alertPayload(2500, undefined, k * 1000));
    const distinct = 3 * 1000 + 2500;
    await postAll(bodies);
    expect(linesPerId().size).toBe(distinct);
    expect(rig.journalLines().length).toBe(distinct);
    expect(await accepted('firing')).toBe(distinct);

    const resolved = [0, 1, 2, 3].map((k) =>
      alertPayload(2500, () => ({ status: 'resolved', endsAt: '2026-12-01T01:00:00Z' }), k * 1000),
    );
    await postAll(resolved);
    const perId = linesPerId();
    expect(perId.size).toBe(2 * distinct);
    expect([...perId.values()].filter((c) => c !== 1).length).toBe(0); // ids journalled twice
    expect(await accepted('resolved')).toBe(distinct);
  });
});
