// Issue 14 "Must show", TLS + basic auth, with the real binaries: `vmpilot exporter` behind a
// --web.config.file (exporter-toolkit format: a certificate signed by a CA made here with
// openssl, bcrypt basic_auth_users) is scraped by Debian's Prometheus over HTTPS with basic
// auth; a wrong password gets 401 (from us, and in Prometheus' target error). The same
// Prometheus runs behind its own --web.config.file (basic auth), and `vmpilot plan` reads it
// with `prometheus.http.basicAuth` — and is refused without it. SIGHUP re-reads the web
// config: a new password takes effect while the process keeps its PID.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { ensureBuilt, freePort, spawnVmpilot, BIN, type Spawned } from '../e2e/helpers';
import { GiveUp, pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';
import { httpsGet, makeTestCa, type TestCa } from '../helpers/tls';

const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-web-'));
const basic = (name: string, password: string) =>
  `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

function webConfig(ca: TestCa, users: Record<string, string>): string {
  return [
    'tls_server_config:',
    `  cert_file: ${ca.certFile}`,
    `  key_file: ${ca.keyFile}`,
    'http_server_config:',
    '  headers:',
    '    X-Content-Type-Options: nosniff',
    'basic_auth_users:',
    ...Object.entries(users).map(([u, p]) => `  ${u}: ${JSON.stringify(bcrypt.hashSync(p, 10))}`),
    '',
  ].join('\n');
}

describe('secure endpoints (TLS, basic auth) with Debian Prometheus', () => {
  let ca: TestCa;
  let caPem: Buffer;
  let exporter: Spawned | undefined;
  let exporterUrl = '';
  let prom: RunningPrometheus | undefined;
  const exporterWeb = path.join(dir, 'exporter-web.yml');

  beforeAll(async () => {
    requireTool('prometheus', 'prometheus');
    requireTool('promtool', 'prometheus');
    ensureBuilt();
    ca = makeTestCa(dir);
    caPem = readFileSync(ca.caFile);
    writeFileSync(exporterWeb, webConfig(ca, { prometheus: 'scrape-secret' }));
    const port = await freePort();
    exporterUrl = `https://127.0.0.1:${port}`;
    exporter = spawnVmpilot([
      'exporter',
      '--connect',
      'test:///default',
      '--web.listen-address',
      `127.0.0.1:${port}`,
      '--web.config.file',
      exporterWeb,
    ]);
    const started = exporter;
    await pollUntil(
      async () => {
        if (started.child.exitCode !== null) throw new GiveUp(`exporter exited: ${started.stderr()}`);
        return (await httpsGet(`${exporterUrl}/healthz`, caPem)).status === 401;
      },
      { what: 'the HTTPS exporter to answer (401 without credentials)', timeoutMs: 20_000 },
    );
    // Prometheus itself behind basic auth (its own --web.config.file).
    const promWeb = path.join(dir, 'prometheus-web.yml');
    writeFileSync(
      promWeb,
      `basic_auth_users:\n  reader: ${JSON.stringify(bcrypt.hashSync('read-secret', 10))}\n`,
    );
    const job = (name: string, password: string) =>
      [
        `  - job_name: ${name}`,
        '    scheme: https',
        '    scrape_interval: 1s',
        '    scrape_timeout: 1s',
        `    basic_auth: {username: prometheus, password: ${password}}`,
        `    tls_config: {ca_file: ${ca.caFile}}`,
        '    static_configs:',
        `      - targets: ["127.0.0.1:${port}"]`,
      ].join('\n');
    prom = await startPrometheus({
      scrapeTargets: [],
      scrapeIntervalSeconds: 1,
      extraScrapeConfigs: `${job('vmpilot-https', 'scrape-secret')}\n${job('vmpilot-wrong', 'not-it')}\n`,
      extraArgs: [`--web.config.file=${promWeb}`],
      readyHeaders: { Authorization: basic('reader', 'read-secret') },
    });
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    exporter?.kill('SIGTERM');
    await exporter?.exited;
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const promQuery = async (q: string, auth = basic('reader', 'read-secret')) => {
    const r = await fetch(`${prom?.url}/api/v1/query?query=${encodeURIComponent(q)}`, {
      headers: { Authorization: auth },
      signal: AbortSignal.timeout(5000),
    });
    return {
      status: r.status,
      body: r.ok ? ((await r.json()) as { data: { result: { value: [number, string] }[] } }) : undefined,
    };
  };

  it('the exporter answers only over TLS and only with the right password (401 otherwise)', async () => {
    const none = await httpsGet(`${exporterUrl}/metrics`, caPem);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic');
    expect(
      (await httpsGet(`${exporterUrl}/metrics`, caPem, { name: 'prometheus', password: 'wrong' })).status,
    ).toBe(401);
    const ok = await httpsGet(`${exporterUrl}/metrics`, caPem, {
      name: 'prometheus',
      password: 'scrape-secret',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.body).toContain('vmpilot_host_up{host="default"} 1');
    // promtool check metrics on what a scrape gets.
    execFileSync('promtool', ['check', 'metrics'], { input: ok.body, timeout: 30_000 });
    await expect(
      fetch(`${exporterUrl.replace('https', 'http')}/metrics`, { signal: AbortSignal.timeout(3000) }),
    ).rejects.toThrow();
  });

  it('Debian Prometheus scrapes it over HTTPS with basic auth; the wrong password is a 401 target', async () => {
    await pollUntil(
      async () => (await promQuery('up{job="vmpilot-https"} == 1')).body?.data.result.length === 1,
      { what: 'up{job="vmpilot-https"} == 1', timeoutMs: 30_000, intervalMs: 500 },
    );
    await pollUntil(
      async () =>
        (await promQuery('vmpilot_host_up{job="vmpilot-https",host="default"} == 1')).body?.data.result
          .length === 1,
      { what: 'vmpilot_host_up over HTTPS', timeoutMs: 30_000, intervalMs: 500 },
    );
    const wrongError = await pollUntil(
      async () => {
        const r = await fetch(`${prom?.url}/api/v1/targets`, {
          headers: { Authorization: basic('reader', 'read-secret') },
          signal: AbortSignal.timeout(5000),
        });
        const t = (await r.json()) as {
          data: { activeTargets: { labels: { job: string }; lastError: string; health: string }[] };
        };
        const wrong = t.data.activeTargets.find((a) => a.labels.job === 'vmpilot-wrong');
        return wrong?.health === 'down' && wrong.lastError;
      },
      { what: 'the wrong-password job to be down', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(wrongError).toMatch(/401/);
    expect((await promQuery('up', basic('reader', 'nope'))).status).toBe(401);
  });

  it('vmpilot plan reads the Prometheus behind basic auth, and is refused without the password', () => {
    const cfg = (extra: string) => {
      const f = path.join(dir, `plan-${extra ? 'auth' : 'none'}.yaml`);
      writeFileSync(path.join(dir, 'prom-password'), 'read-secret\n');
      writeFileSync(
        f,
        `hypervisors: [test:///default]\nprometheus:\n  url: ${prom?.url}\n  scrapeIntervalSeconds: 1\n${extra}journal: ${path.join(dir, 'j.jsonl')}\n`,
      );
      return f;
    };
    const plan = (file: string) =>
      JSON.parse(
        execFileSync(process.execPath, [BIN, 'plan', '--config', file, '--json'], {
          timeout: 60_000,
        }).toString(),
      ) as {
        held: { host: string; reason: string }[];
      };
    const refused = plan(cfg(''));
    expect(refused.held.map((h) => h.reason).join(' ')).toMatch(/401/);
    const read = plan(cfg('  http:\n    basicAuth: {username: reader, passwordFile: prom-password}\n'));
    expect(read.held.map((h) => h.reason).join(' ')).not.toMatch(/401|unreachable|Prometheus at/);
  }, 120_000);

  it('SIGHUP re-reads the web config: the new password works, the old one gets 401, same PID', async () => {
    const pid = exporter?.child.pid;
    writeFileSync(exporterWeb, webConfig(ca, { prometheus: 'rotated-secret' }));
    exporter?.child.kill('SIGHUP');
    await pollUntil(
      async () =>
        (await httpsGet(`${exporterUrl}/metrics`, caPem, { name: 'prometheus', password: 'rotated-secret' }))
          .status === 200,
      { what: 'the rotated password to be accepted', timeoutMs: 10_000 },
    );
    expect(
      (await httpsGet(`${exporterUrl}/metrics`, caPem, { name: 'prometheus', password: 'scrape-secret' }))
        .status,
    ).toBe(401);
    expect(exporter?.child.exitCode).toBeNull();
    expect(exporter?.child.pid).toBe(pid);
    expect(exporter?.stderr()).toMatch(/reloaded the web config/);
  });
});
