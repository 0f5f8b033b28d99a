// Browser test of the live view against the running demo: starts `vmpilot demo` (the
// repository's dist/, seed-experiment: 6 hosts, 18 VMs, a real Prometheus) on free ports
// in a temp dir, opens http://127.0.0.1:API/ui/ in Debian's Chromium (playwright-core) and
// checks what a user sees: the built plugin mounted, points for all 18 VMs, the cluster
// view's hosts and VMs, a migration appearing in the cluster view and the migration
// timeline (polled with a deadline), an event's tooltip showing its reason as the events
// API has it, a VM's events listed on click, move labels laid out apart, field config from
// the URL (points unit, service-level bands by a thresholds override), no page errors. Screenshots (dark and light)
// go to tests/live/out/. Needs the root build (npm run build), the plugin build
// (npm run build) and the page build (npm run build:live).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchChromium } from '../chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const plugin = path.resolve(here, '..', '..');
const root = path.resolve(plugin, '..');
const out = path.join(here, 'out');
mkdirSync(out, { recursive: true });

for (const [file, how] of [
  [path.join(root, 'dist', 'autoscaler', 'api', 'ui.js'), 'npm run build (repository root)'],
  [path.join(plugin, 'dist', 'module.js'), 'npm run build (grafana-plugin)'],
  [path.join(plugin, 'live', 'dist', 'index.html'), 'npm run build:live (grafana-plugin)'],
  [CHROMIUM, 'apt-get install chromium (npm run setup -- --panel)'],
]) {
  if (!existsSync(file)) {
    console.error(`live view test: ${file} is missing: ${how}`);
    process.exit(1);
  }
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Polls `fn` until it returns a truthy value; fails after `timeoutMs` naming `what` and the last value. */
async function pollUntil(what, fn, timeoutMs, intervalMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs / 1000} s (last: ${JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Per-view screenshots (light and dark) for the plugin's catalog page: written to out/
// always, and to src/img/screenshots/ (listed in plugin.json) with VMPILOT_UPDATE_SCREENSHOTS=1.
const VIEWS = ['cluster', 'points', 'events', 'migrations'];
const shotDirs = [path.join(out, 'views')];
if (process.env.VMPILOT_UPDATE_SCREENSHOTS === '1') {
  shotDirs.push(path.join(plugin, 'src', 'img', 'screenshots'));
}
async function viewShots(page, theme) {
  for (const dir of shotDirs) {
    mkdirSync(dir, { recursive: true });
    for (const v of VIEWS) {
      await page
        .locator(`[data-testid="live-panel"][data-view="${v}"]`)
        .screenshot({ path: path.join(dir, `${v}-${theme}.png`) });
    }
  }
}

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(`ok   ${name}`);
  } catch (e) {
    results.push(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-live-test-'));
const ports = { exporter: await freePort(), api: await freePort(), prometheus: await freePort() };
const api = `http://127.0.0.1:${ports.api}`;
let demoOut = '';
const demo = spawn(
  process.execPath,
  [
    path.join(root, 'bin', 'vmpilot.js'),
    'demo',
    '--exporter-port',
    String(ports.exporter),
    '--api-port',
    String(ports.api),
    '--prometheus-port',
    String(ports.prometheus),
    '--workdir',
    workdir,
    '--duration',
    '600',
  ],
  { detached: true, stdio: ['ignore', 'pipe', 'pipe'] }
);
demo.stdout.on('data', (d) => (demoOut += d));
demo.stderr.on('data', (d) => (demoOut += d));
const exited = new Promise((r) => demo.once('exit', r));

let browser;
try {
  await pollUntil(
    'the demo API',
    async () => {
      if (demo.exitCode !== null) {
        throw new Error(`demo exited: ${demoOut}`);
      }
      return (await fetch(`${api}/healthz`)).ok;
    },
    60_000
  );
  await check('the demo banner links the live view', async () => {
    assert.match(demoOut, new RegExp(`live view\\s+${api.replace(/\./g, '\\.')}/ui/`));
  });
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 1250 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  await page.goto(`${api}/ui/?refresh=2&tz=utc`, { timeout: 60_000 });
  const panel = (view, sel) => page.locator(`[data-testid="live-panel"][data-view="${view}"] ${sel}`);

  await check('the page mounts the built plugin (./plugin/module.js) in four panels', async () => {
    await page.waitForSelector('[data-testid="live-panel"]', { timeout: 60_000 });
    const views = await page.locator('[data-testid="live-panel"]').evaluateAll((els) => els.map((e) => e.dataset.view));
    assert.deepEqual(views, ['cluster', 'points', 'events', 'migrations']);
    const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src));
    assert.ok(
      scripts.some((s) => s.endsWith('/ui/plugin/module.js')),
      JSON.stringify(scripts)
    );
  });
  await check('points for all 18 VMs (from Prometheus, through the autoscaler)', async () => {
    const vms = await pollUntil(
      '18 VM rows in the points view',
      async () => {
        const rows = await panel('points', '[data-testid="vmpilot-points-row"]').evaluateAll((els) =>
          els.map((e) => e.getAttribute('data-vm'))
        );
        return new Set(rows).size === 18 ? rows : false;
      },
      120_000
    );
    assert.equal(vms.length, 18);
  });
  await check('cluster view: 6 hosts as columns, 18 VMs stacked in them', async () => {
    await pollUntil(
      '6 host columns holding 18 VMs',
      async () => {
        const hosts = await panel('cluster', '[data-testid="vmpilot-cluster-host"]').count();
        const vms = await panel('cluster', '[data-testid="vmpilot-cluster-vm"]').count();
        return hosts === 6 && vms === 18 ? true : { hosts, vms };
      },
      60_000
    );
  });
  await page.screenshot({ path: path.join(out, 'live-dark-start.png'), fullPage: true });
  let migration;
  await check('a migration appears in the cluster view and in the migration timeline', async () => {
    migration = await pollUntil(
      'a migration in the cluster view and the timeline',
      async () => {
        const moves = await panel('cluster', '[data-testid="vmpilot-cluster-move"]').evaluateAll((els) =>
          els.map((e) => e.getAttribute('data-vm'))
        );
        const bars = await panel('migrations', '[data-testid="vmpilot-migration"]').evaluateAll((els) =>
          els.map((e) => e.getAttribute('data-vm'))
        );
        const vm = moves.find((m) => bars.includes(m));
        return vm ? { vm } : false;
      },
      240_000,
      2000
    );
    const page0 = await (await fetch(`${api}/api/v1/events?kind=global&limit=1000`)).json();
    assert.ok(
      page0.events.some((e) => e.action === 'migrate' && e.vm === migration.vm),
      `the events API has no migration of ${migration.vm}`
    );
  });
  await check(
    'a move arrow and a timeline bar have Grafana tooltips with the migration’s hosts and reason',
    async () => {
      const tipOf = async (target, testid) => {
        if ((await target.evaluate((e) => e.tagName)) === 'path') {
          // An arc: the middle of its box is not on it; move to the middle of the curve.
          const at = await target.evaluate((e) => {
            const p = e.getPointAtLength(e.getTotalLength() / 2);
            const m = e.getScreenCTM();
            return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
          });
          await page.mouse.move(at.x, at.y);
        } else {
          await target.hover({ force: true });
        }
        const tip = page.locator(`[role="tooltip"] [data-testid="${testid}"]`);
        await tip.waitFor({ timeout: 10_000 });
        const text = await tip.innerText();
        await page.mouse.move(0, 0);
        return text;
      };
      const bar = panel(
        'migrations',
        `[data-testid="vmpilot-migration"][data-vm="${migration.vm}"] [data-testid="vmpilot-migration-bar"]`
      ).first();
      assert.match(
        await tipOf(bar, 'vmpilot-migration-tooltip'),
        new RegExp(`${migration.vm}: \\S+ → \\S+ \\((running|completed|failed)\\)`)
      );
      // Moves fade out: hover whichever arrow is drawn now (polled, a new one comes every few rounds).
      const vm = await pollUntil(
        'a move arrow in the cluster view',
        async () =>
          (
            await panel('cluster', '[data-testid="vmpilot-cluster-move"]').evaluateAll((els) =>
              els.map((e) => e.getAttribute('data-vm'))
            )
          )[0] ?? false,
        240_000,
        2000
      );
      const arrow = panel(
        'cluster',
        `[data-testid="vmpilot-cluster-move"][data-vm="${vm}"] [data-testid="vmpilot-cluster-move-target"]`
      ).first();
      const text = await tipOf(arrow, 'vmpilot-cluster-move-tooltip');
      // Arrows may overlap: the tooltip may be of any drawn move.
      assert.match(text, /^\S+: \S+ → \S+, (running|completed|failed)/);
      assert.ok(
        text.split('\n').length >= 2 && text.split('\n')[1].trim().length > 0,
        `no reason in ${JSON.stringify(text)}`
      );
      assert.equal(
        await page.locator('[data-testid="live-panel"] svg title').count(),
        0,
        'an SVG <title> tooltip is left'
      );
    }
  );
  await check("an event's tooltip shows its reason (as the events API has it)", async () => {
    const marker = panel('events', '[data-testid="vmpilot-event"][data-kind="global"]').last();
    await marker.waitFor({ timeout: 30_000 });
    const id = await marker.getAttribute('data-id');
    const all = await (await fetch(`${api}/api/v1/events?kind=global&limit=1000`)).json();
    const ev = all.events.find((e) => e.id === id);
    assert.ok(ev, `event ${id} not in the API`);
    const reason = typeof ev.reason === 'string' ? ev.reason : ev.reason.text;
    await marker.hover({ force: true });
    // A @grafana/ui Tooltip: rendered in a portal, outside the panel.
    const tip = page.locator('[role="tooltip"] [data-testid="vmpilot-event-tooltip"]');
    await tip.waitFor({ timeout: 5000 });
    assert.equal(await tip.locator('[data-testid="vmpilot-event-reason"]').innerText(), reason);
    await page.screenshot({ path: path.join(out, 'live-dark-tooltip.png'), fullPage: true });
    await page.mouse.move(0, 0);
  });
  await check(
    'each VM’s priority as the autoscaler exports it (vmpilot_vm_priority), in the points view and a cluster tooltip',
    async () => {
      const now = Math.floor(Date.now() / 1000);
      const r = await (await fetch(`${api}/api/v1/ui/range?name=priority&from=${now - 120}&to=${now}`)).json();
      const expected = Object.fromEntries(
        r.series.map((s) => {
          const w = s.values.at(-1);
          return [s.labels.domain, w === 1 ? s.labels.class : `${s.labels.class} ×${w}`];
        })
      );
      assert.equal(Object.keys(expected).length, 18, JSON.stringify(expected));
      const shown = await panel('points', '[data-testid="vmpilot-points-row"]').evaluateAll((els) =>
        Object.fromEntries(
          els.map((e) => [e.dataset.vm, e.querySelector('[data-testid="vmpilot-points-priority"]')?.textContent])
        )
      );
      assert.deepEqual(shown, expected);
      const vm = Object.keys(expected).sort()[0];
      await panel('cluster', `[data-testid="vmpilot-cluster-vm"][data-vm="${vm}"]`).hover({ force: true });
      const tip = page.locator('[role="tooltip"] [data-testid="vmpilot-cluster-tooltip"]');
      await tip.waitFor({ timeout: 5000 });
      const text = await tip.innerText();
      assert.match(text, new RegExp(`${vm} on `));
      assert.ok(text.includes(`priority ${expected[vm]}`), text);
      await page.mouse.move(0, 0);
    }
  );
  await check('clicking a VM in the cluster view lists its recent events with reasons', async () => {
    const vm = panel('cluster', `[data-testid="vmpilot-cluster-vm"][data-vm="${migration?.vm}"]`);
    await vm.click({ force: true });
    const list = panel('cluster', '[data-testid="vmpilot-cluster-vm-events"]');
    await list.waitFor({ timeout: 5000 });
    assert.equal(await list.getAttribute('data-vm'), migration?.vm);
    const text = await list.innerText();
    assert.match(text, /migrate → /);
    await page.screenshot({ path: path.join(out, 'live-dark-cluster-vm.png'), fullPage: true });
    await page.mouse.move(0, 0);
    await viewShots(page, 'dark');
  });
  await check('on-screen controls switch sort and colour, and keep the URL in sync', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 1250 } });
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${api}/ui/?tz=utc`, { timeout: 60_000 });
    const vmsIn = (view, sel) => p.locator(`[data-testid="live-panel"][data-view="${view}"] ${sel}`);
    await pollUntil(
      '18 VMs',
      async () => (await vmsIn('cluster', '[data-testid="vmpilot-cluster-vm"]').count()) === 18,
      60_000
    );
    await p.locator('[data-testid="live-sort"]').getByLabel('Priority').click();
    await p.locator('[data-testid="live-color"]').getByLabel('Service level').click();
    const url = new URL(p.url());
    assert.equal(url.searchParams.get('sort'), 'priority');
    assert.equal(url.searchParams.get('color'), 'serviceLevel');
    /** Rank of a priority class as the points view shows it ("critical", "high ×2", ...). */
    const RANK = { critical: 0, high: 1, normal: 2, low: 3 };
    const ranks = async () =>
      (await vmsIn('points', '[data-testid="vmpilot-points-priority"]').allTextContents()).map(
        (t) => RANK[t.split(' ')[0]]
      );
    const colorBy = async () =>
      new Set(
        await vmsIn('cluster', '[data-testid="vmpilot-cluster-vm"]').evaluateAll((els) =>
          els.map((e) => e.getAttribute('data-color-by'))
        )
      );
    const checkShown = async () => {
      const r = await ranks();
      assert.equal(r.length, 18);
      assert.ok(
        r.every((x) => x !== undefined),
        `unknown priority class in ${JSON.stringify(r)}`
      );
      assert.deepEqual(
        r,
        [...r].sort((a, b) => a - b),
        'rows not in priority order'
      );
      assert.deepEqual([...(await colorBy())], ['serviceLevel']);
    };
    await checkShown();
    // A reload keeps the choice (from the URL) and the controls show it.
    await p.reload({ timeout: 60_000 });
    await pollUntil(
      '18 VMs after reload',
      async () => (await vmsIn('cluster', '[data-testid="vmpilot-cluster-vm"]').count()) === 18,
      60_000
    );
    await checkShown();
    assert.equal((await p.locator('[data-testid="live-sort"] input:checked + label').innerText()).trim(), 'Priority');
    assert.equal(
      (await p.locator('[data-testid="live-color"] input:checked + label').innerText()).trim(),
      'Service level'
    );
    await p.screenshot({ path: path.join(out, 'live-controls.png') });
    await p.close();
  });
  await check('cluster view: move labels inside the drawing, none over another (6 hosts, live moves)', async () => {
    const laid = await pollUntil(
      'a move label in the cluster view',
      async () => {
        const l = await panel('cluster', '[data-testid="vmpilot-cluster-scroll"] > svg').evaluate((svg) => ({
          w: svg.width.baseVal.value,
          h: svg.height.baseVal.value,
          labels: [...svg.querySelectorAll('[data-testid="vmpilot-cluster-move-label"]')].map((t) => {
            const b = t.getBBox();
            return { text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height };
          }),
        }));
        return l.labels.length > 0 ? l : false;
      },
      240_000,
      2000
    );
    for (const l of laid.labels) {
      assert.ok(
        l.x >= 0 && l.y >= 0 && l.x + l.w <= laid.w && l.y + l.h <= laid.h,
        `${JSON.stringify(l)} outside ${laid.w}×${laid.h}`
      );
    }
    for (const [i, a] of laid.labels.entries()) {
      for (const b of laid.labels.slice(i + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        assert.ok(apart, `labels overlap: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      }
    }
  });
  await check(
    'field config in the URL, as a dashboard sets it: points unit, service-level bands by override',
    async () => {
      const fieldConfig = {
        defaults: { unit: 'percent', decimals: 0 },
        overrides: [
          {
            matcher: { id: 'byFrameRefID', options: 'serviceLevel' },
            properties: [
              {
                id: 'thresholds',
                value: {
                  mode: 'absolute',
                  steps: [
                    { value: null, color: 'red' },
                    { value: 0.3, color: 'yellow' },
                    { value: 0.9, color: 'blue' },
                  ],
                },
              },
            ],
          },
        ],
      };
      const p = await browser.newPage({ viewport: { width: 1280, height: 1250 } });
      p.on('pageerror', (e) => errors.push(e.message));
      const q = new URLSearchParams({
        tz: 'utc',
        refresh: '2',
        color: 'serviceLevel',
        fieldConfig: JSON.stringify(fieldConfig),
      });
      await p.goto(`${api}/ui/?${q}`, { timeout: 60_000 });
      const inView = (view, sel) => p.locator(`[data-testid="live-panel"][data-view="${view}"] ${sel}`);
      await pollUntil(
        '18 VMs',
        async () => (await inView('cluster', '[data-testid="vmpilot-cluster-vm"]').count()) === 18,
        60_000
      );
      const totals = await inView('points', '[data-testid="vmpilot-points-total"]').allTextContents();
      assert.equal(totals.length, 18);
      assert.ok(
        totals.every((t) => /^\d+%$/.test(t)),
        `points not in percent, 0 decimals: ${JSON.stringify(totals)}`
      );
      const legend = await inView('cluster', '[data-testid="vmpilot-cluster-legend"] button').allInnerTexts();
      assert.deepEqual(
        legend.map((t) => t.trim()),
        ['service level < 0.3', '0.3–0.9', '≥ 0.9', 'no SLI']
      );
      // Each VM in the band its service level (as the API has it now) falls in; polled, levels move.
      const banded = await pollUntil(
        'every VM in the band of its service level',
        async () => {
          const now = Math.floor(Date.now() / 1000);
          const r = await (await fetch(`${api}/api/v1/ui/range?name=serviceLevel&from=${now - 120}&to=${now}`)).json();
          const level = Object.fromEntries(r.series.map((s) => [s.labels.domain, s.values.at(-1)]));
          const bands = await inView('cluster', '[data-testid="vmpilot-cluster-vm"]').evaluateAll((els) =>
            Object.fromEntries(els.map((e) => [e.dataset.vm, e.dataset.band]))
          );
          const want = Object.fromEntries(
            Object.keys(bands).map((vm) => {
              const v = level[vm];
              return [vm, v === undefined ? 'none' : v < 0.3 ? '0' : v < 0.9 ? '1' : '2'];
            })
          );
          return JSON.stringify(bands) === JSON.stringify(want) ? { want, levels: r.series.length } : { bands, want };
        },
        30_000,
        2000
      );
      const count = (b) => Object.values(banded.want).filter((x) => x === b).length;
      console.log(
        `field config: ${banded.levels} VMs with a service level; bands 0/1/2/none: ${['0', '1', '2', 'none'].map(count).join('/')}`
      );
      await p.screenshot({ path: path.join(out, 'live-fieldconfig.png') });
      const bad = await browser.newPage();
      await bad.goto(`${api}/ui/?fieldConfig=%7Bunit`, { timeout: 60_000 });
      await bad.locator('[data-testid="live-error"]').first().waitFor({ timeout: 30_000 });
      assert.match(
        await bad.locator('[data-testid="live-error"]').first().innerText(),
        /^fieldConfig URL parameter is not JSON/
      );
      await bad.close();
      await p.close();
    }
  );
  await check('the light theme renders the same data', async () => {
    const light = await browser.newPage({ viewport: { width: 1280, height: 1250 } });
    light.on('pageerror', (e) => errors.push(e.message));
    await light.goto(`${api}/ui/?theme=light&tz=utc`, { timeout: 60_000 });
    await pollUntil(
      '18 VMs in the light page',
      async () => (await light.locator('[data-testid="vmpilot-cluster-vm"]').count()) === 18,
      60_000
    );
    assert.equal(await light.locator('[data-testid="live-page"]').getAttribute('data-theme'), 'light');
    await light.screenshot({ path: path.join(out, 'live-light.png'), fullPage: true });
    await viewShots(light, 'light');
    await light.close();
  });
  await check('no page errors, no data errors', async () => {
    assert.equal(await page.locator('[data-testid="live-error"]').count(), 0);
    assert.deepEqual(errors, []);
  });
} catch (e) {
  results.push(`FAIL ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await browser?.close();
  if (demo.exitCode === null) {
    process.kill(demo.pid, 'SIGINT');
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
    if (!done) {
      process.kill(-demo.pid, 'SIGKILL');
    }
  }
  rmSync(workdir, { recursive: true, force: true });
}
console.log(results.join('\n'));
if (results.some((r) => r.startsWith('FAIL'))) {
  console.log(`demo output:\n${demoOut.slice(-3000)}`);
  process.exitCode = 1;
} else {
  console.log(`live view test: ${results.length} checks passed (screenshots: tests/live/out/)`);
}
