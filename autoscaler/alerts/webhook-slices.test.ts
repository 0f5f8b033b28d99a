// A large webhook notification is validated and read in slices with the event loop served
// between them (issue 17 b): other callbacks (a /healthz request, a scrape) run between
// slices instead of waiting for the whole notification.
import { AlertInbox } from './inbox';
import { parseWebhookInSlices, WEBHOOK_SLICE } from './webhook';

function payload(n: number) {
  return {
    version: '4',
    groupKey: '{}',
    status: 'firing',
    receiver: 'vmpilot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'VmpilotHostOverloaded', host: `h${i % 7}` },
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `fp${i}`,
    })),
  };
}

/** Counts turns of the event loop while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const result = await work();
  running = false;
  return { result, turns };
}

describe('webhook notifications in slices', () => {
  const n = 3.5 * WEBHOOK_SLICE;

  it('validates 3,500 alerts in 4 slices, serving the event loop between them, with the same result as one parse', async () => {
    const { result, turns } = await turnsDuring(() => parseWebhookInSlices(payload(n)));
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.alerts).toHaveLength(n);
    expect(result.data.truncatedAlerts).toBe(0);
    expect(result.data.alerts[n - 1]).toMatchObject({ fingerprint: `fp${n - 1}`, annotations: {} });
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('refuses a bad envelope before reading any alert', async () => {
    const r = await parseWebhookInSlices({ ...payload(1), version: '3' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual(['version']);
  });

  it('the inbox reads 3,500 alerts in slices and changes nothing before commit()', async () => {
    const inbox = new AlertInbox({
      hotspotAlerts: ['VmpilotHostOverloaded'],
      ttlMs: 60_000,
      maxAlerts: 10_000,
    });
    const parsed = await parseWebhookInSlices(payload(n));
    if (!parsed.success) throw parsed.error;
    const { result, turns } = await turnsDuring(() => inbox.receiveInSlices(parsed.data, 0));
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(result.accepted).toBe(n);
    expect(result.events).toHaveLength(n);
    expect(inbox.size).toBe(0);
    result.commit();
    expect(inbox.size).toBe(n);
    expect(inbox.hotHosts(0).size).toBe(7);
    // Same outcome as the one-piece receive on a fresh inbox.
    const one = new AlertInbox({
      hotspotAlerts: ['VmpilotHostOverloaded'],
      ttlMs: 60_000,
      maxAlerts: 10_000,
    });
    expect(one.receive(parsed.data, 0).events.map((e) => e.id)).toEqual(result.events.map((e) => e.id));
  });
});
