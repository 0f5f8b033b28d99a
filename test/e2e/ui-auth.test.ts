// The live view (/ui/) obeys the API's authentication, with the real pieces: `vmpilot
// autoscaler` on the hotspot scenario behind a --web.config.file with basic auth and a
// bearer token file, Debian's Prometheus scraping its exporter and API with the password,
// and Debian's Chromium (playwright-core) opening the page.
// - Without the password every part of the live view (page, plugin build, range queries,
//   events) is refused with 401, in the browser too; a wrong password as well.
// - With it the page shows the VMs' points and the priorities the config sets
//   (planner.priorities → vmpilot_vm_priority → Prometheus → /api/v1/ui/range → panel),
//   and it only reads: every request is a GET answered 2xx, none goes to an endpoint that
//   needs the bearer token, which still guards those behind the basic auth.
// Needs the root build, the plugin build and the page build (npm run setup -- --ui).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../bench/lib/chromium';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { ROOT, ensureBuilt, spawnVmpilot, type Spawned } from './helpers';
import { stopService, writeServiceConfig, type ServiceSetup } from './service-setup';
import { GiveUp, pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

const USER = 'viewer';
const PASSWORD = 'live-view-secret';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = basic(USER, PASSWORD);
/** The priorities the config sets: the page must show them, not the default "normal". */
const PRIORITIES = [
  { vm: 'web-2', class: 'high', weight: 3 },
  { vm: 'batch-1', class: 'best-effort' },
];
/** The live view's parts, as the page requests them. */
const UI_PATHS = [
  '/ui/',
  '/ui/plugin/module.js',
  `/api/v1/ui/range?name=priority&from=${Math.floor(Date.now() / 1000) - 60}&to=${Math.floor(Date.now() / 1000)}`,
  '/api/v1/events',
];

describe('live view behind the API authentication (basic auth, bearer token)', () => {
  let workdir: string;
  let setup: ServiceSetup;
  let service: Spawned | undefined;
  let prometheus: RunningPrometheus | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    requireTool('prometheus', 'prometheus');
    ensureBuilt();
    for (const [file, how] of [
      [path.join(ROOT, 'grafana-plugin', 'dist', 'module.js'), 'npm --prefix grafana-plugin run build'],
      [
        path.join(ROOT, 'grafana-plugin', 'live', 'dist', 'index.html'),
        'npm --prefix grafana-plugin run build:live',
      ],
      [CHROMIUM, 'apt-get install chromium (npm run setup -- --panel)'],
    ]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: ${how}`);
    }
    workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-ui-auth-'));
    const tokenFile = path.join(workdir, 'token');
    writeFileSync(tokenFile, 'bearer-secret\n', { mode: 0o600 });
    const webConfig = path.join(workdir, 'web.yml');
    writeFileSync(
      webConfig,
      `basic_auth_users:\n  ${USER}: ${JSON.stringify(bcrypt.hashSync(PASSWORD, 10))}\n`,
    );
    setup = await writeServiceConfig(workdir, {
      authTokenFile: tokenFile,
      planner: { t2Seconds: 1, t1Seconds: 2, priorities: PRIORITIES },
    });
    service = spawnVmpilot(['autoscaler', '--config', setup.configFile, '--web.config.file', webConfig]);
    const started = service;
    await pollUntil(
      async () => {
        if (started.child.exitCode !== null) throw new GiveUp(`autoscaler exited: ${started.stderr()}`);
        return (await fetch(`${setup.api}/healthz`, { headers: { Authorization: AUTH } })).ok;
      },
      { what: 'the autoscaler API (with the password)', timeoutMs: 30_000 },
    );
    // Prometheus scrapes the in-process exporter and the API's /metrics with the password.
    const job = (name: string, port: number) =>
      [
        `  - job_name: ${name}`,
        '    scrape_interval: 1s',
        '    scrape_timeout: 1s',
        `    basic_auth: {username: ${USER}, password: ${PASSWORD}}`,
        '    static_configs:',
        `      - targets: ["127.0.0.1:${port}"]`,
      ].join('\n');
    prometheus = await startPrometheus({
      scrapeTargets: [],
      scrapeIntervalSeconds: 1,
      port: setup.ports.prometheus,
      dataDir: path.join(workdir, 'prometheus'),
      extraScrapeConfigs: `${job('exporter', setup.ports.exporter)}\n${job('autoscaler', setup.ports.api)}\n`,
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopService(service);
    await prometheus?.stop();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  }, 60_000);

  it.each(UI_PATHS)('refuses %s without the password, and with a wrong one (401 Basic)', async (p) => {
    const none = await fetch(`${setup.api}${p}`, { signal: AbortSignal.timeout(10_000) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await fetch(`${setup.api}${p}`, {
      headers: { Authorization: basic(USER, 'not-it') },
      signal: AbortSignal.timeout(10_000),
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${setup.api}${p}`, {
      headers: { Authorization: AUTH },
      signal: AbortSignal.timeout(10_000),
    });
    expect(right.status).toBe(200);
  });

  it('a browser without the password gets 401 and no page', async () => {
    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      const statuses: number[] = [];
      page.on('response', (r) => statuses.push(r.status()));
      // Headless Chromium has nobody to ask for the password: the navigation fails on the 401.
      await expect(page.goto(`${setup.api}/ui/`, { timeout: 30_000 })).rejects.toThrow(
        /ERR_INVALID_AUTH_CREDENTIALS/,
      );
      expect(statuses).toEqual([401]);
      expect(await page.locator('[data-testid="live-page"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('with the password the page shows the VMs and their configured priorities, reading only', async () => {
    const context = await browser!.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1280, height: 1100 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: { method: string; path: string; status: number }[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('response', (r) => {
        const u = new URL(r.url());
        // A browser's own favicon probe is not the page's request.
        if (u.origin === setup.api && u.pathname !== '/favicon.ico')
          requests.push({ method: r.request().method(), path: u.pathname, status: r.status() });
      });
      await page.goto(`${setup.api}/ui/?refresh=2&tz=utc`, { timeout: 60_000 });
      const shown = await pollUntil(
        async () => {
          const rows = await page
            .locator('[data-testid="live-panel"][data-view="points"] [data-testid="vmpilot-points-row"]')
            .evaluateAll((els) =>
              Object.fromEntries(
                els.map((e) => [
                  e.getAttribute('data-vm'),
                  e.querySelector('[data-testid="vmpilot-points-priority"]')?.textContent,
                ]),
              ),
            );
          return rows['web-2'] === 'high ×3' && rows['batch-1'] === 'best-effort' ? rows : false;
        },
        { what: 'the configured priorities in the points view', timeoutMs: 90_000, intervalMs: 1000 },
      );
      // The VMs the config leaves alone show the default class, from the same series.
      expect(shown['web-1']).toBe('normal');
      expect(shown['web-3']).toBe('normal');
      mkdirSync(path.join(ROOT, 'test', 'artefacts'), { recursive: true });
      await page.screenshot({
        path: path.join(ROOT, 'test', 'artefacts', 'ui-auth-live.png'),
        fullPage: true,
      });
      expect(await page.locator('[data-testid="live-error"]').count()).toBe(0);
      expect(errors).toEqual([]);
      // Read-only: GETs answered 2xx/3xx, nothing that needs the bearer token.
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((r) => r.method !== 'GET' || r.status >= 400)).toEqual([]);
      expect(requests.filter((r) => r.path === '/api/v1/plan' || r.path.startsWith('/api/v1/pause'))).toEqual(
        [],
      );
      expect(new Set(requests.map((r) => r.path))).toEqual(
        new Set([
          '/ui/',
          '/ui/plugin/module.js',
          '/api/v1/ui/range',
          '/api/v1/events',
          ...assetPaths(requests),
        ]),
      );
    } finally {
      await context.close();
    }
  }, 150_000);

  it('the bearer token still guards the writing endpoints behind the basic auth', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${setup.api}/api/v1/pause`, { method: 'POST', headers, signal: AbortSignal.timeout(10_000) });
    expect((await post({})).status).toBe(401);
    const noToken = await post({ Authorization: AUTH });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
  });
});

/** The page's own built assets (content-hashed names under /ui/assets/). */
function assetPaths(requests: { path: string }[]): string[] {
  return requests.map((r) => r.path).filter((p) => p.startsWith('/ui/assets/'));
}
