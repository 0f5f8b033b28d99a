// Alertmanager drives the autoscaler: a real Alertmanager (Debian's prometheus-alertmanager)
// runs the shipped example config (alerts/alertmanager.yml, with its URL, token file and
// timers pointed at this test) and posts to the autoscaler's POST /api/v1/alerts. The
// alert is journalled once, its host joins the planner's hotspot set, and resolving it in
// Alertmanager takes the host out again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import type { TuningEvent } from '../../core/model/event';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { findAlertmanager, startAlertmanager, type RunningAlertmanager } from '../../core/procs/alertmanager';
import { validateConfig } from '../../autoscaler/config/load';
import { startAutoscaler, type RunningAutoscaler } from '../../autoscaler/service/run';
import { MemorySource } from '../../autoscaler/sources/memory';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(120_000);

const ALERTS = path.join(__dirname, '..', '..', 'alerts');
const RACK_A = path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml');
const TOKEN = 'alertmanager-test-token';

function snapshot(now: number): ClusterSnapshot {
  return {
    at: now,
    intervalSeconds: 15,
    hosts: [
      {
        name: 'rack',
        cpus: 16,
        capacity: { cpu: 16, mem: 64e9, disk: 2e8, net: 1.2e8 },
        usageHistory: [{ cpu: 4, mem: 20e9, disk: 0, net: 0 }],
        up: true,
        ageSeconds: 1,
      },
    ],
    vms: [],
  };
}

describe('alerts/alertmanager.yml', () => {
  it('passes amtool check-config', () => {
    const out = execFileSync('amtool', ['check-config', path.join(ALERTS, 'alertmanager.yml')]).toString();
    expect(out).toContain('SUCCESS');
  });
});

describe('Alertmanager → POST /api/v1/alerts (real Alertmanager, real autoscaler API)', () => {
  let dir: string;
  let autoscaler: RunningAutoscaler;
  let alertmanager: RunningAlertmanager;

  beforeAll(async () => {
    if (!findAlertmanager()) throw new Error('prometheus-alertmanager not found: run scripts/setup.sh');
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-alertmanager-test-'));
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const cfg = validateConfig(
      {
        hypervisors: [`rack=test://${RACK_A}`],
        listen: '127.0.0.1:0',
        journal: path.join(dir, 'journal.jsonl'),
        authTokenFile: tokenFile,
      },
      'test',
      dir,
    );
    autoscaler = await startAutoscaler(cfg, {
      source: new MemorySource(snapshot),
      noLoops: true,
      log: pino({ level: 'silent' }),
    });
    // The shipped example, pointed at this autoscaler, with timers short enough for a test.
    const am = parse(readFileSync(path.join(ALERTS, 'alertmanager.yml'), 'utf8')) as {
      route: { routes: Record<string, unknown>[] };
      receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[];
    };
    Object.assign(am.route.routes[0], { group_wait: '1s', group_interval: '2s', repeat_interval: '1h' });
    const hook = am.receivers.find((r) => r.name === 'vmpilot')?.webhook_configs?.[0] as {
      url: string;
      http_config: { authorization: { credentials_file: string } };
    };
    hook.url = `${autoscaler.apiUrl}/api/v1/alerts`;
    hook.http_config.authorization.credentials_file = tokenFile;
    alertmanager = await startAlertmanager({ config: stringify(am) });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await autoscaler?.stop(1000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const alertEvents = async () =>
    (
      (await (await fetch(`${autoscaler.apiUrl}/api/v1/events?kind=alert&limit=1000`)).json()) as {
        events: TuningEvent[];
      }
    ).events;
  const alertedHosts = async () => {
    const m = await (await fetch(`${autoscaler.apiUrl}/metrics`)).text();
    return Number(/^vmpilot_autoscaler_alerted_hosts (\S+)$/m.exec(m)?.[1]);
  };
  const alertmanagerCounter = async (name: string) => {
    const m = await (await fetch(`${alertmanager.url}/metrics`)).text();
    const v = new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1];
    if (v === undefined) throw new Error(`Alertmanager's /metrics has no ${name}`);
    return Number(v);
  };
  const pushToAlertmanager = async (endsAt?: string) => {
    const r = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'VmpilotHostOverloaded', host: 'rack', resource: 'cpu', severity: 'warning' },
          annotations: { summary: 'rack: cpu above 85 % in 3 of the last 5 samples' },
          startsAt: '2026-11-24T00:00:00Z',
          ...(endsAt ? { endsAt } : {}),
        },
      ]),
    });
    expect(r.status).toBe(200);
  };

  it('journals a firing alert once and puts its host in the hotspot set', async () => {
    await pushToAlertmanager();
    const [ev] = await pollUntil(
      async () => {
        const evs = await alertEvents();
        return evs.length > 0 && evs;
      },
      { what: 'the alert event' },
    );
    expect(ev).toMatchObject({
      kind: 'alert',
      host: 'rack',
      action: 'VmpilotHostOverloaded',
      after: { status: 'firing' },
      reason: { rule: 'alert.firing' },
    });
    expect((ev.reason as { text: string }).text).toContain('rack: cpu above 85 %');
    expect(await alertedHosts()).toBe(1);
    const { observation } = await autoscaler.service.planRound('global');
    expect(observation?.snapshot.hosts.find((h) => h.name === 'rack')?.alerted).toBe(true);
    // The same alert again (Prometheus re-sends firing alerts every evaluation): nothing new.
    await pushToAlertmanager();
    // Two flushes of the alert's group after the re-send (each flush queries the
    // notification log once) show Alertmanager has had its chance to notify again.
    const flushes = await alertmanagerCounter('alertmanager_nflog_queries_total');
    await pollUntil(
      async () => (await alertmanagerCounter('alertmanager_nflog_queries_total')) >= flushes + 2,
      {
        what: "two of Alertmanager's group flushes after the re-sent alert",
      },
    );
    expect(await alertEvents()).toHaveLength(1);
  });

  it('takes the host out of the hotspot set when Alertmanager resolves the alert', async () => {
    await pushToAlertmanager(new Date(Date.now() - 1000).toISOString());
    const resolved = await pollUntil(
      async () =>
        (await alertEvents()).find((e) => (e.after as { status?: string } | null)?.status === 'resolved'),
      { what: 'the resolved event' },
    );
    expect(resolved).toMatchObject({ host: 'rack', reason: { rule: 'alert.resolved' } });
    expect(await alertedHosts()).toBe(0);
    const { observation } = await autoscaler.service.planRound('global');
    expect(observation?.snapshot.hosts.find((h) => h.name === 'rack')?.alerted).toBeUndefined();
  });
});
