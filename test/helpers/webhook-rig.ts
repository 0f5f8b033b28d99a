// The webhook path as the service runs it, for tests: the real API (createApi) on 127.0.0.1,
// the real AutoscalerService, AlertInbox and Journal (in a temp dir), with the journal's
// write-side fs calls counted (and made to fail with ENOSPC on demand).
import { fsyncSync, ftruncateSync, mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AlertInbox } from '../../autoscaler/alerts/inbox';
import { closeServer, createApi, listen } from '../../autoscaler/api/server';
import { validateConfig } from '../../autoscaler/config/load';
import { Journal, type JournalFs } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { AutoscalerService } from '../../autoscaler/service/service';
import { MemorySource } from '../../autoscaler/sources/memory';
import { FakePort } from '../autoscaler/fake-port';

export const WEBHOOK_TOKEN = 'webhook-rig-token';

/** An Alertmanager notification of `n` firing hotspot alerts, fingerprints fp00000000…; `over` changes alert i. */
export function alertPayload(
  n: number,
  over: (i: number) => Record<string, unknown> = () => ({}),
  first = 0,
) {
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
    alerts: Array.from({ length: n }, (_, k) => {
      const i = first + k;
      return {
        status: 'firing',
        labels: { alertname: 'VmpilotHostOverloaded', host: `h${i % 50}`, instance: `i${i}` },
        annotations: { summary: 'cpu above 85 %' },
        startsAt: '2026-12-01T00:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: `fp${i.toString(16).padStart(8, '0')}`,
        ...over(i),
      };
    }),
  };
}

export interface WebhookRig {
  url: string;
  journal: Journal;
  metrics: ServiceMetrics;
  service: AutoscalerService;
  /** Journal write-side calls so far; set `full` to make writes fail with ENOSPC. */
  counts: { writes: number; fsyncs: number; full: boolean };
  /** POSTs a body to /api/v1/alerts with the token. */
  post(body: unknown): Promise<Response>;
  /** The journal file's non-empty lines. */
  journalLines(): string[];
  close(): Promise<void>;
}

export async function startWebhookRig(): Promise<WebhookRig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-webhook-'));
  const counts = { writes: 0, fsyncs: 0, full: false };
  const fs: JournalFs = {
    writeSync: (fd, buf, off, len) => {
      counts.writes++;
      if (counts.full) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
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
  const journal = Journal.open(config.journal, { fs }).journal;
  const metrics = new ServiceMetrics({ processMetrics: false });
  const service = new AutoscalerService({
    config,
    port: new FakePort().addHost('h0'),
    source: new MemorySource((now) => ({ at: now, intervalSeconds: 15, hosts: [], vms: [] })),
    journal,
    metrics,
    log: pino({ level: 'silent' }),
    alerts: new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 3_600_000, maxAlerts: 20_000 }),
  });
  const app = createApi({
    events: () => journal.events(),
    plan: () => Promise.reject(new Error('unused')),
    setPaused: () => undefined,
    paused: () => false,
    dryRun: () => false,
    ready: () => service.readiness(),
    registry: new ServiceMetrics({ processMetrics: false }).registry,
    receiveAlerts: (p) => service.receiveAlerts(p),
    token: WEBHOOK_TOKEN,
    log: pino({ level: 'silent' }),
  });
  const { server, url } = await listen(app, '127.0.0.1', 0);
  return {
    url,
    journal,
    metrics,
    service,
    counts,
    post: (body) =>
      fetch(`${url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      }),
    journalLines: () =>
      readFileSync(journal.file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    close: async () => {
      await closeServer(server);
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
