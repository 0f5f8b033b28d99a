// The tuning event's shared definition: the committed JSON Schema and panel types equal what
// `npm run gen:schemas` produces from the zod schema now (so a changed zod schema that was
// not regenerated fails here), and what the journal writes and the events API serves
// validates against the committed JSON Schema (read back through zod, not the zod source).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import type { TuningEvent } from '../../core/model/event';
import { AlertInbox } from '../../autoscaler/alerts/inbox';
import { closeServer, createApi, listen } from '../../autoscaler/api/server';
import { Journal } from '../../autoscaler/journal/journal';

const ROOT = path.resolve(__dirname, '..', '..');
const TSC = require.resolve('typescript/bin/tsc');
const committedSchema = z.fromJSONSchema(
  JSON.parse(
    readFileSync(path.join(ROOT, 'grafana-plugin/src/data/tuning-event.schema.json'), 'utf8'),
  ) as Parameters<typeof z.fromJSONSchema>[0],
);

const base = { time: '2026-12-04T10:00:00.000Z', vm: 'web1', host: 'kvm-a', before: null, after: null };
const inbox = new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 60_000 });
const alertEvents = inbox.receive(
  {
    version: '4',
    groupKey: 'g',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vmpilot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'VmpilotHostOverloaded', host: 'kvm-a' },
        annotations: { summary: 'cpu' },
        startsAt: '2026-12-04T09:59:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'f1',
      },
    ],
  },
  Date.parse(base.time),
).events;

/** One event of every shape the autoscaler writes. */
const samples: TuningEvent[] = [
  {
    ...base,
    id: 'm1',
    kind: 'global',
    action: 'migrate',
    before: { host: 'kvm-a' },
    after: { host: 'kvm-b' },
    result: 'started',
    reason: {
      rule: 'global.hotspot',
      text: 'kvm-a overloaded on cpu: move web1',
      scores: { cpu: 0.93 },
      alternatives: [{ candidate: 'db1', score: 0.4, rejected: 'larger footprint' }],
    },
    phases: [
      { phase: 'planned', time: base.time },
      { phase: 'started', time: '2026-12-04T10:00:01.000Z' },
    ],
    to: 'kvm-b',
    params: {},
    progress: { elapsedSeconds: 4, dataRemainingBytes: 1e8, iteration: 2 },
  },
  {
    ...base,
    id: 'l1',
    kind: 'local',
    action: 'pin_vcpus',
    before: { vcpu: 0, cpus: [0, 1] },
    after: { vcpu: 0, cpus: [2] },
    result: 'completed',
    reason: { rule: 'local.pin', text: 'isolate web1' },
    phases: [],
    params: { vcpu: 0, cpus: [2] },
  },
  {
    ...base,
    id: 's1',
    kind: 'global',
    action: 'migrate',
    result: 'skipped',
    reason: 'no reason given',
    phases: [],
    to: 'kvm-c',
    error: 'no migration slot free (2 of 2 in use)',
  },
  ...alertEvents,
];

describe('tuning event schema', () => {
  it('the committed JSON Schema and panel types are what `npm run gen:schemas` produces now', () => {
    // The generator runs compiled, in its own process: json-schema-to-typescript formats with
    // Prettier 3, which loads its plugins by dynamic import (not available inside jest).
    mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
    const out = mkdtempSync(path.join(ROOT, 'dist', 'gen-schemas-test-'));
    try {
      execFileSync(process.execPath, [TSC, '-p', 'scripts/tsconfig.json', '--outDir', out], { cwd: ROOT });
      const r = spawnSync(process.execPath, [path.join(out, 'scripts', 'gen-schemas.js'), '--check'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('rejects what is not an event', () => {
    expect(alertEvents).toHaveLength(1);
    const [m1] = samples;
    for (const bad of [
      { ...m1, result: 'done' },
      { ...m1, phases: [{ phase: 'started' }] },
      { ...m1, id: 1 },
    ]) {
      expect(committedSchema.safeParse(bad).success).toBe(false);
    }
  });

  describe('round trip', () => {
    let dir: string;
    let server: Server | undefined;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-event-schema-'));
    });
    afterAll(async () => {
      if (server) await closeServer(server);
      rmSync(dir, { recursive: true, force: true });
    });

    it('every journal line validates against the committed JSON Schema', () => {
      const file = path.join(dir, 'journal.jsonl');
      const { journal } = Journal.open(file);
      for (const ev of samples) journal.append(ev);
      journal.close();
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(samples.length);
      for (const line of lines) expect(committedSchema.parse(JSON.parse(line))).toBeTruthy();
      const reread = Journal.open(file, { readOnly: true });
      expect(reread.badLines).toBe(0);
      expect(reread.journal.events()).toEqual(samples);
    });

    it('every event the events API serves validates against the committed JSON Schema', async () => {
      const app = createApi({
        events: () => samples,
        plan: async () => ({ plan: { at: 0, held: [], actions: [] }, computedAt: 0 }),
        setPaused: () => undefined,
        paused: () => false,
        dryRun: () => false,
        ready: () => ({ ready: true, reason: '' }),
        registry: new Registry(),
        receiveAlerts: (payload) => inbox.receive(payload, 0),
        token: 't',
        log: pino({ level: 'silent' }),
      });
      let url: string;
      ({ server, url } = await listen(app, '127.0.0.1', 0));
      const page = (await (await fetch(`${url}/api/v1/events?limit=1000`)).json()) as { events: unknown[] };
      expect(page.events).toEqual(samples);
      for (const ev of page.events) expect(committedSchema.parse(ev)).toEqual(ev);
    });
  });
});
