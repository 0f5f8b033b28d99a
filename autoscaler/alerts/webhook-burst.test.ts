// Bounded work per webhook request (issue 17): 10,000 alerts over HTTP into the real API,
// service, inbox and journal are journalled with one write and one fsync (the journal's fs
// layer counts them); oversized labels are refused before anything is journalled; a full
// disk answers 503 and the retry after recovery is taken.
import { fsyncSync, ftruncateSync, mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { FakePort } from '../../test/autoscaler/fake-port';
import { closeServer, createApi, listen } from '../api/server';
import { validateConfig } from '../config/load';
import { Journal, type JournalFs } from '../journal/journal';
import { ServiceMetrics } from '../service/metrics';
import { AutoscalerService } from '../service/service';
import { MemorySource } from '../sources/memory';
import { AlertInbox } from './inbox';

const TOKEN = 'burst-token';

function payload(n: number, over: (i: number) => Record<string, unknown> = () => ({})) {
  return {
    version: '4',
    groupKey: '{}:{alertname="VmpilotHostOverloaded"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vmpilot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'VmpilotHostOverloaded', host: `h${i % 50}`, instance: `i${i}` },
      annotations: { summary: 'cpu above 85 %' },
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `fp${i.toString(16).padStart(8, '0')}`,
      ...over(i),
    })),
  };
}

describe('POST /api/v1/alerts: one batched write and one fsync per request', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let journal: Journal;
  let metrics: ServiceMetrics;
  const counts = { writes: 0, fsyncs: 0, full: false };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-webhook-burst-'));
    const fs: JournalFs = {
      writeSync: (fd, buf, off, len) => {
        counts.writes++;
        if (counts.full)
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return writeSync(fd, buf, off, len);
      },
      fsyncSync: (fd) => {
        counts.fsyncs++;
        fsyncSync(fd);
      },
      ftruncateSync: (fd, len) => ftruncateSync(fd, len),
    };
    const config = validateConfig(
      { hypervisors: ['sim://unused'], journal: path.join(dir, 'j.jsonl') },
      'test',
      dir,
    );
    journal = Journal.open(config.journal, { fs }).journal;
    const service = new AutoscalerService({
      config,
      port: new FakePort().addHost('h0'),
      source: new MemorySource((now) => ({ at: now, intervalSeconds: 15, hosts: [], vms: [] })),
      journal,
      metrics: (metrics = new ServiceMetrics({ processMetrics: false })),
      log: pino({ level: 'silent' }),
      alerts: new AlertInbox({
        hotspotAlerts: ['VmpilotHostOverloaded'],
        ttlMs: 3_600_000,
        maxAlerts: 20_000,
      }),
    });
    const app = createApi({
      events: () => journal.events(),
      plan: () => Promise.reject(new Error('unused')),
      setPaused: () => undefined,
      paused: () => false,
      dryRun: () => false,
      ready: () => service.readiness(),
      registry: new ServiceMetrics({ processMetrics: false }).registry,
      receiveAlerts: (p) => service.receiveAlertsInSlices(p),
      token: TOKEN,
      log: pino({ level: 'silent' }),
    });
    ({ server, url } = await listen(app, '127.0.0.1', 0));
  });
  afterAll(async () => {
    await closeServer(server);
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
  const journalLines = () =>
    readFileSync(journal.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');

  it('journals 10,000 alerts with exactly one write and one fsync', async () => {
    const before = { ...counts };
    const res = await post(payload(10_000));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(10_000);
    expect(counts.fsyncs - before.fsyncs).toBe(1);
    expect(counts.writes - before.writes).toBe(1);
    const lines = journalLines();
    expect(lines).toHaveLength(10_000);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ kind: 'alert', result: 'completed' });
  });

  it('counts the 10,000 alerts per (status, outcome) and names a bad alert by its place in the whole notification', async () => {
    const counted = async () =>
      (await metrics.alertsReceived.get()).values.find(
        (v) => v.labels.status === 'firing' && v.labels.outcome === 'accepted',
      )?.value ?? 0;
    expect(await counted()).toBe(10_000);
    // A retry of the same notification: 10,000 unchanged, nothing more accepted.
    expect((await post(payload(10_000))).status).toBe(200);
    expect(await counted()).toBe(10_000);
    const unchanged = (await metrics.alertsReceived.get()).values.find(
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
    counts.full = true;
    const refused = await post(body);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/journal .* unwritable: ENOSPC/);
    counts.full = false;
    const retried = await post(body);
    expect(retried.status).toBe(200);
    const ids = journalLines().map((l) => (JSON.parse(l) as { id: string; action: string }).action);
    expect(ids.filter((a) => a === 'Other').length).toBeGreaterThanOrEqual(3);
    for (const l of journalLines()) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });
});
