// Issue 14: the autoscaler's API behind --web.config.file basic auth still takes its
// token-protected calls. Basic auth holds the `Authorization` header the bearer token used, so
// the token goes in `X-Vmpilot-Token`, or the basic-auth user is one of the config's
// `authUsers` (what Alertmanager's http_config.basic_auth can send). A real `vmpilot
// autoscaler` process (compiled CLI), the `vmpilot maintenance` CLI, and Debian's
// Alertmanager delivering to the webhook with basic_auth only.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { BIN, ROOT, ensureBuilt, freePort, spawnVmpilot, type Spawned } from './helpers';
import { stopService } from './service-setup';
import type { TuningEvent } from '../../core/model/event';
import { startAlertmanager } from '../../core/procs/alertmanager';
import { GiveUp, pollUntil } from '../helpers/poll';

const run = promisify(execFile);
jest.setTimeout(120_000);

const RACK_A = path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml');
const TOKEN = 'api-t0ken';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function vmpilot(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('API token checks behind basic auth', () => {
  let dir: string;
  let api = '';
  let configFile = '';
  let service: Spawned | undefined;
  const post = (p: string, headers: Record<string, string>) =>
    fetch(`${api}${p}`, { method: 'POST', headers, signal: AbortSignal.timeout(10_000) });

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-api-basic-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(path.join(dir, 'operator-password'), 'op-secret\n');
    const webConfig = path.join(dir, 'web.yml');
    writeFileSync(
      webConfig,
      [
        'basic_auth_users:',
        `  alertmanager: ${JSON.stringify(bcrypt.hashSync('am-secret', 10))}`,
        `  operator: ${JSON.stringify(bcrypt.hashSync('op-secret', 10))}`,
        '',
      ].join('\n'),
    );
    configFile = path.join(dir, 'vmpilot.yaml');
    // No Prometheus: rounds hold every host; the API and its auth run all the same.
    writeFileSync(
      configFile,
      stringify({
        hypervisors: [`rack=test://${RACK_A}`],
        prometheus: { url: `http://127.0.0.1:${await freePort()}`, timeoutSeconds: 1 },
        planner: { t2Seconds: 5, t1Seconds: 10 },
        listen: `127.0.0.1:${port}`,
        journal: path.join(dir, 'journal.jsonl'),
        authTokenFile: path.join(dir, 'token'),
        authUsers: ['alertmanager'],
      }),
    );
    const started = spawnVmpilot([
      'autoscaler',
      '--config',
      configFile,
      '--web.config.file',
      webConfig,
      '--log.level',
      'error',
    ]);
    service = started;
    await pollUntil(
      async () => {
        if (started.child.exitCode !== null) throw new GiveUp(`autoscaler exited: ${started.stderr()}`);
        return (await fetch(`${api}/healthz`).catch(() => undefined))?.status === 401;
      },
      { what: 'the autoscaler API behind basic auth (401 without credentials)', timeoutMs: 30_000 },
    );
  });
  afterAll(async () => {
    await stopService(service);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the token in X-Vmpilot-Token, or a basic-auth user listed in authUsers', async () => {
    // Basic auth alone as a user outside authUsers: the token check refuses, naming the way in.
    const noToken = await post('/api/v1/pause', { authorization: basic('operator', 'op-secret') });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: string }).error).toMatch(/X-Vmpilot-Token.*"operator"/);
    const wrongToken = await post('/api/v1/pause', {
      authorization: basic('operator', 'op-secret'),
      'x-vmpilot-token': 'nope',
    });
    expect(wrongToken.status).toBe(401);

    const paused = await post('/api/v1/pause', {
      authorization: basic('operator', 'op-secret'),
      'x-vmpilot-token': TOKEN,
    });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({ paused: true });

    // The user in authUsers needs no token (Alertmanager's http_config.basic_auth).
    const resumed = await post('/api/v1/resume', { authorization: basic('alertmanager', 'am-secret') });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toEqual({ paused: false });
    const webhook = await fetch(`${api}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: basic('alertmanager', 'am-secret'), 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{}',
        status: 'resolved',
        receiver: 'vmpilot',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager.invalid',
        alerts: [],
      }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(webhook.status).toBe(200);

    // A wrong password never reaches the token check: the web server's 401 (Basic).
    const wrongPassword = await post('/api/v1/resume', {
      authorization: basic('alertmanager', 'nope'),
      'x-vmpilot-token': TOKEN,
    });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers.get('www-authenticate')).toBe('Basic');
    // The bearer token alone no longer gets past basic auth.
    expect((await post('/api/v1/pause', { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
  });

  it('vmpilot maintenance sends basic auth and the token beside it', async () => {
    const creds = [
      '--basic-auth-user',
      'operator',
      '--basic-auth-password-file',
      path.join(dir, 'operator-password'),
    ];
    const on = await vmpilot(['maintenance', 'on', 'rack', '--config', configFile, ...creds]);
    expect(on).toMatchObject({ code: 0, stdout: 'rack: in maintenance — api\n' });
    const list = await vmpilot(['maintenance', 'list', '--config', configFile, '--json', ...creds]);
    expect(JSON.parse(list.stdout).hosts).toEqual([expect.objectContaining({ host: 'rack', source: 'api' })]);

    // Without the basic-auth flags: the web server refuses, one line, exit 1.
    const refused = await vmpilot(['maintenance', 'off', 'rack', '--config', configFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/HTTP 401/)]);
    // A user flag without its password file is a usage error.
    const usage = await vmpilot([
      'maintenance',
      'off',
      'rack',
      '--config',
      configFile,
      '--basic-auth-user',
      'x',
    ]);
    expect(usage.code).toBe(2);

    const off = await vmpilot(['maintenance', 'off', 'rack', '--config', configFile, ...creds]);
    expect(off).toMatchObject({ code: 0, stdout: 'rack: not in maintenance\n' });
  });

  it('vmpilot pause and resume switch the running autoscaler, with the same credentials', async () => {
    const creds = [
      '--basic-auth-user',
      'operator',
      '--basic-auth-password-file',
      path.join(dir, 'operator-password'),
    ];
    const pausedMetric = async () =>
      /^vmpilot_autoscaler_paused (\d)$/m.exec(
        await (
          await fetch(`${api}/metrics`, { headers: { authorization: basic('operator', 'op-secret') } })
        ).text(),
      )?.[1];
    const pause = await vmpilot(['pause', '--config', configFile, ...creds]);
    expect(pause).toMatchObject({ code: 0, stdout: 'paused: no action is taken until resumed\n' });
    expect(await pausedMetric()).toBe('1');
    // Refused without the basic-auth flags: one line, exit 1, and still paused.
    const refused = await vmpilot(['resume', '--config', configFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/POST .*\/api\/v1\/resume: HTTP 401/),
    ]);
    expect(await pausedMetric()).toBe('1');
    const resume = await vmpilot(['resume', '--config', configFile, '--json', ...creds]);
    expect(resume.code).toBe(0);
    expect(JSON.parse(resume.stdout)).toEqual({ paused: false });
    expect(await pausedMetric()).toBe('0');
  });

  it("Debian's Alertmanager delivers to the webhook with http_config.basic_auth as an authUsers user", async () => {
    writeFileSync(path.join(dir, 'am-password'), 'am-secret\n');
    const alertmanager = await startAlertmanager({
      config: stringify({
        route: {
          receiver: 'vmpilot',
          group_by: ['alertname', 'host'],
          group_wait: '1s',
          group_interval: '2s',
        },
        receivers: [
          {
            name: 'vmpilot',
            webhook_configs: [
              {
                url: `${api}/api/v1/alerts`,
                send_resolved: true,
                http_config: {
                  basic_auth: { username: 'alertmanager', password_file: path.join(dir, 'am-password') },
                },
              },
            ],
          },
        ],
      }),
    });
    try {
      const pushed = await fetch(`${alertmanager.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            labels: { alertname: 'VmpilotHostOverloaded', host: 'rack', resource: 'cpu' },
            startsAt: new Date().toISOString(),
          },
        ]),
        signal: AbortSignal.timeout(10_000),
      });
      expect(pushed.status).toBe(200);
      const events = await pollUntil(
        async () => {
          const r = await fetch(`${api}/api/v1/events?kind=alert`, {
            headers: { authorization: basic('operator', 'op-secret') },
            signal: AbortSignal.timeout(10_000),
          });
          const evs = ((await r.json()) as { events: TuningEvent[] }).events;
          return evs.length > 0 && evs;
        },
        { what: "the alert journalled from Alertmanager's webhook", timeoutMs: 30_000 },
      );
      expect(events[0]).toMatchObject({ kind: 'alert', host: 'rack', action: 'VmpilotHostOverloaded' });
    } finally {
      await alertmanager.stop();
    }
  });
});
