// Bounded work per webhook request (issue 17): 10,000 alerts over HTTP into the real API,
// service, inbox and journal are journalled with one write and one fsync (the journal's fs
// layer counts them); oversized labels are refused before anything is journalled; a full
// disk answers 503 and the retry after recovery is taken.
import { alertPayload as payload, startWebhookRig, type WebhookRig } from '../../test/helpers/webhook-rig';

describe('POST /api/v1/alerts: one batched write and one fsync per request', () => {
  let rig: WebhookRig;
  beforeAll(async () => {
    rig = await startWebhookRig();
  });
  afterAll(async () => {
    await rig.close();
  });
  const post = (body: unknown) => rig.post(body);
  const journalLines = () => rig.journalLines();

  it('journals 10,000 alerts with exactly one write and one fsync', async () => {
    const before = { ...rig.counts };
    const res = await post(payload(10_000));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(10_000);
    expect(rig.counts.fsyncs - before.fsyncs).toBe(1);
    expect(rig.counts.writes - before.writes).toBe(1);
    const lines = journalLines();
    expect(lines).toHaveLength(10_000);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ kind: 'alert', result: 'completed' });
  });

  it('counts the 10,000 alerts per (status, outcome) and names a bad alert by its place in the whole notification', async () => {
    const counted = async () =>
      (await rig.metrics.alertsReceived.get()).values.find(
        (v) => v.labels.status === 'firing' && v.labels.outcome === 'accepted',
      )?.value ?? 0;
    expect(await counted()).toBe(10_000);
    // A retry of the same notification: 10,000 unchanged, nothing more accepted.
    expect((await post(payload(10_000))).status).toBe(200);
    expect(await counted()).toBe(10_000);
    const unchanged = (await rig.metrics.alertsReceived.get()).values.find(
      (v) => v.labels.outcome === 'unchanged',
    );
    expect(unchanged?.value).toBe(10_000);
    const bad = await post(payload(3000, (i) => (i === 2500 ? { startsAt: 'yesterday' } : {})));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(
      /alerts\.2500\.startsAt: not an RFC 3339 time/,
    );
  });

  it('refuses a 1,000,000-character alert name and a 65-label alert before journalling anything', async () => {
    const n = journalLines().length;
    const huge = await post(payload(1, () => ({ labels: { alertname: 'x'.repeat(1_000_000), host: 'h1' } })));
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { error: string }).error).toMatch(/alerts\.0\.labels\.alertname: Too big/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
    const wide = await post(payload(1, () => ({ labels: { ...many, host: 'h1' } })));
    expect(wide.status).toBe(400);
    expect(journalLines()).toHaveLength(n);
  });

  it('answers 503 while the journal cannot be written, and takes the retry once it can', async () => {
    const body = payload(3, (i) => ({
      fingerprint: `retry${i}`,
      labels: { alertname: 'Other', host: 'h2' },
    }));
    rig.counts.full = true;
    const refused = await post(body);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/journal .* unwritable: ENOSPC/);
    rig.counts.full = false;
    const retried = await post(body);
    expect(retried.status).toBe(200);
    const ids = journalLines().map((l) => (JSON.parse(l) as { id: string; action: string }).action);
    expect(ids.filter((a) => a === 'Other').length).toBeGreaterThanOrEqual(3);
    for (const l of journalLines()) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });
});
