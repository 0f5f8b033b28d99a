// Fuzz suite (issue 17, fast-check): webhook bodies and API queries against the real API,
// service, inbox and journal over HTTP; configs through the real loader; metrics with one
// impossible number through the real service and planner. Each property runs RUNS cases:
// 0 crashes (no 500, no exception other than the loader's ConfigError), 0 actions and 0
// journal lines from invalid input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { stringify } from 'yaml';
import type { ClusterSnapshot, Resource } from '../../core/model/snapshot';
import { AlertInbox } from '../../autoscaler/alerts/inbox';
import { closeServer, createApi, listen } from '../../autoscaler/api/server';
import { ConfigError, loadConfig } from '../../autoscaler/config/load';
import type { Journal } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import type { FakePort } from '../autoscaler/fake-port';
import { hotspotService } from '../autoscaler/hotspot-rig';

/** Cases per property (the closing note reports the total). */
const RUNS = 500;
const TOKEN = 'fuzz-token';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-fuzz-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rig(name: string, damage?: (s: ClusterSnapshot) => void) {
  const alerts = new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 60_000 });
  const { port, journal, service } = hotspotService({ dir: path.join(dir, name), damage, alerts });
  return { port, journal, service };
}

describe('fuzz: webhook bodies and API queries over HTTP (real API, service, inbox, journal)', () => {
  let server: Server;
  let url: string;
  let journal: Journal;
  let port: FakePort;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    const r = rig('api');
    ({ journal, port } = r);
    const app = createApi({
      events: () => journal.events(),
      plan: async () => ({ plan: (await r.service.planRound('both')).plan, computedAt: Date.now() }),
      setPaused: (p) => r.service.setPaused(p),
      paused: () => r.service.paused,
      dryRun: () => r.service.dryRun,
      ready: () => r.service.readiness(),
      registry: new ServiceMetrics({ processMetrics: false }).registry,
      receiveAlerts: (p) => r.service.receiveAlerts(p),
      token: TOKEN,
      log: pino({ level: 'silent' }),
    });
    ({ server, url } = await listen(app, '127.0.0.1', 0));
  });
  afterAll(async () => {
    await closeServer(server);
    journal.close();
  });

  const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
  const hypervisorChanges = () => port.calls.filter((c) => /^(set|migrate|pin)/.test(c));

  const label = fc.oneof(fc.string(), fc.string({ minLength: 1000, maxLength: 3000 }), fc.constant(''));
  const invalidAlert = fc.record(
    {
      status: fc.oneof(fc.constantFrom('firing', 'resolved', 'pending', ''), fc.anything()),
      labels: fc.oneof(fc.dictionary(fc.string(), label), fc.anything()),
      annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
      startsAt: fc.oneof(fc.constant('2026-12-01T00:00:00Z'), fc.string(), fc.anything()),
      endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), fc.string()),
      fingerprint: fc.oneof(fc.string({ maxLength: 100 }), fc.anything()),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
    fc.string(),
    fc
      .record(
        {
          version: fc.oneof(fc.constant('4'), fc.anything()),
          groupKey: fc.string(),
          status: fc.constantFrom('firing', 'resolved', 'x'),
          receiver: fc.string(),
          groupLabels: fc.anything(),
          commonLabels: fc.anything(),
          commonAnnotations: fc.anything(),
          externalURL: fc.string(),
          alerts: fc.array(invalidAlert, { maxLength: 20 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );

  it(`webhook: ${RUNS} bodies, no 500, nothing journalled from a refused body, no hypervisor change`, async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = journal.events().length;
        const res = await fetch(`${url}/api/v1/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: b,
        });
        count(res.status);
        expect([200, 400, 413]).toContain(res.status);
        if (res.status !== 200) expect(journal.events().length).toBe(before);
        // Whatever was accepted is an alert event, never an action.
        expect(journal.events().every((e) => e.kind === 'alert')).toBe(true);
        expect(hypervisorChanges()).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  const queryValue = fc.oneof(
    fc.string(),
    fc.constantFrom(
      'local',
      'global',
      'alert',
      '0',
      '-1',
      '1e309',
      'NaN',
      '2026-12-01T00:00:00Z',
      '99999999999999',
    ),
  );
  const query = fc.dictionary(
    fc.oneof(fc.constantFrom('from', 'to', 'vm', 'kind', 'limit', 'cursor'), fc.string({ minLength: 1 })),
    fc.oneof(queryValue, fc.array(queryValue, { maxLength: 3 })),
    { maxKeys: 5 },
  );

  it(`API queries: ${RUNS} query strings on /api/v1/events and /api/v1/plan, 200 or 4xx, never a crash`, async () => {
    await fc.assert(
      fc.asyncProperty(query, fc.boolean(), async (q, plan) => {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
        const res = await fetch(`${url}/api/v1/${plan ? 'plan' : 'events'}?${qs.toString()}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        count(res.status);
        expect(res.status).toBeLessThan(500);
        expect(hypervisorChanges()).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // The property above must have been able to see both kinds of answer.
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
  });
});

describe('fuzz: configs through the real loader', () => {
  const value = fc.oneof(
    fc.anything(),
    fc.double(),
    fc.constantFrom(
      0,
      -1,
      1e-9,
      1e12,
      3e6,
      Number.MAX_VALUE,
      '0.0.0.0:9178',
      'sim://x',
      'test:///default',
      'rate(x[1m]',
    ),
  );
  const section = fc.dictionary(
    fc.constantFrom(
      't2Seconds',
      't1Seconds',
      'k',
      'n',
      'historyPoints',
      'listen',
      'url',
      'vmCpu',
      'cooldownSeconds',
      'x',
    ),
    value,
    { maxKeys: 4 },
  );
  const config = fc.record(
    {
      hypervisors: fc.oneof(
        fc.array(fc.constantFrom('sim://seed-experiment', 'a=test:///default', 'a=qemu:///system', '')),
        fc.anything(),
      ),
      planner: section,
      prometheus: fc.oneof(section, fc.record({ queries: section })),
      listen: value,
      exporter: fc.record({ listen: value }),
      vms: fc.dictionary(
        fc.string(),
        fc.oneof(fc.anything(), fc.record({ sli: fc.record({ query: fc.string(), target: value }) })),
      ),
      journal: fc.oneof(fc.string(), fc.anything()),
    },
    { requiredKeys: [] },
  );
  const text = fc.oneof(
    config.map((c) => stringify(c)),
    fc.string(),
    fc.string().map((s) => `hypervisors: [sim://x]\n${s}`),
  );

  it(`${RUNS} configs: each is loaded or refused with a ConfigError naming the file, nothing else`, () => {
    const file = path.join(dir, 'fuzz.yaml');
    let refused = 0;
    fc.assert(
      fc.property(text, (t) => {
        writeFileSync(file, t);
        try {
          loadConfig(file);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.message.startsWith(`${file}: invalid configuration:`)).toBe(true);
          refused++;
        }
      }),
      { numRuns: RUNS },
    );
    expect(refused).toBeGreaterThan(0);
  });
});

describe('fuzz: one impossible number in the metrics (real service and planner)', () => {
  const RESOURCES: Resource[] = ['cpu', 'mem', 'disk', 'net'];
  const impossible = fc.oneof(
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e-9),
    fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
    fc.double({ min: 1e14, noNaN: true }),
  );
  const where = fc.record({
    target: fc.constantFrom(
      'host usage',
      'vm usage',
      'host cpus',
      'host memory',
      'vm balloon',
      'vm vcpus',
      'future',
    ),
    point: fc.integer({ min: 0, max: 4 }),
    resource: fc.constantFrom(...RESOURCES),
    vm: fc.constantFrom('web1', 'web2'),
  });

  it(`${RUNS} damaged snapshots: the damaged host is held as implausible and no action touches it`, async () => {
    await fc.assert(
      fc.asyncProperty(where, impossible, async (w, v) => {
        const { service, journal, port } = rig(`m${Math.random().toString(36).slice(2)}`, (s) => {
          const a = s.hosts[0];
          const vm = s.vms.find((x) => x.name === w.vm)!;
          if (w.target === 'host usage') a.usageHistory[w.point][w.resource] = v;
          else if (w.target === 'vm usage') vm.usageHistory[w.point][w.resource] = v;
          else if (w.target === 'host cpus') a.cpus = Math.min(v, 0);
          else if (w.target === 'host memory') a.capacity.mem = Math.min(v, 0);
          else if (w.target === 'vm balloon') vm.allocation.balloonBytes = v;
          else if (w.target === 'vm vcpus') vm.vcpus = v;
          else a.ageSeconds = -Math.abs(v) - 3600;
        });
        try {
          const r = await service.runRound('global');
          const held = r.plan.held.find((h) => h.host === 'a');
          expect(held?.code).toBe('implausible_metrics');
          expect(r.plan.actions.filter((x) => x.from === 'a' || x.to === 'a')).toEqual([]);
          expect(journal.events().filter((e) => e.host === 'a' || e.to === 'a')).toEqual([]);
          expect(port.calls.filter((c) => /^(set|migrate|pin)/.test(c))).toEqual([]);
        } finally {
          journal.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
