// Browser test of the panel without a Grafana server (none can be installed here): Vite
// serves tests/browser/index.html, which renders the panel component in light and dark
// themes with fixed data frames; Debian's Chromium, driven by playwright-core, checks what
// a user sees (playwright gives the browser a fresh temporary profile). Screenshots go to
// tests/browser/out/ (not committed).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../chromium.mjs';
import { createServer } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'out');
mkdirSync(out, { recursive: true });

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(`ok   ${name}`);
  } catch (e) {
    results.push(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const server = await createServer({
  root: here,
  configFile: false,
  logLevel: 'warn',
  plugins: [react()],
  server: { host: '127.0.0.1', port: 0, strictPort: false, fs: { allow: [path.join(here, '..', '..')] } },
  optimizeDeps: { include: ['@grafana/data', '@grafana/ui', 'react', 'react-dom'] },
});
await server.listen();
const url = server.resolvedUrls?.local[0];
const browser = await launchChromium().catch(async (e) => {
  await server.close();
  throw e;
});
try {
  const page = await browser.newPage({ viewport: { width: 700, height: 1700 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { timeout: 120_000 });
  await page.waitForSelector('[data-case="migrations-dark"] [data-testid="vmpilot-panel"]', { timeout: 120_000 });
  const inCase = (id, sel) => page.locator(`[data-case="${id}"] ${sel}`);

  await check('points: one row per VM, sorted by total points', async () => {
    const vms = await inCase('points-light', '[data-testid="vmpilot-points-row"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-vm'))
    );
    assert.deepEqual(vms, ['db1', 'web1', 'web2', 'batch1']);
  });
  await check('points: bars stacked by resource, widths proportional to points', async () => {
    const widths = await inCase('points-light', '[data-vm="db1"] rect[data-resource]').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-resource'), Number(e.getAttribute('width'))]))
    );
    assert.ok(widths.cpu > 0 && widths.mem > 0 && widths.disk > 0, JSON.stringify(widths));
    assert.ok(Math.abs(widths.cpu / widths.mem - 2) < 0.01, `cpu:mem should be 50:25, got ${JSON.stringify(widths)}`);
  });
  await check('points: the host filter keeps only kvm-a', async () => {
    const vms = await inCase('points-kvm-a', '[data-testid="vmpilot-points-row"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-host'))
    );
    assert.deepEqual([...new Set(vms)], ['kvm-a']);
  });
  await check('points: follows the theme and the colour scheme', async () => {
    const bg = (id) => page.locator(`[data-case="${id}"]`).evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.notEqual(await bg('points-light'), await bg('points-dark'));
    const cpu = (id) => inCase(id, '[data-vm="db1"] rect[data-resource="cpu"]').getAttribute('fill');
    assert.equal(await cpu('points-dark'), '#0072B2'); // Okabe–Ito blue
    assert.notEqual(await cpu('points-light'), '#0072B2');
  });
  await check('events: a marker per event in its kind lane; hovering shows reason and before/after', async () => {
    const kinds = await inCase('events-light', '[data-testid="vmpilot-event"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-kind'))
    );
    assert.deepEqual(kinds, ['local', 'alert', 'global', 'global']);
    await inCase('events-light', '[data-id="m1"]').hover();
    const tip = inCase('events-light', '[data-testid="vmpilot-event-tooltip"]');
    await tip.waitFor({ timeout: 5000 });
    const text = await tip.innerText();
    assert.match(text, /kvm-b overloaded on cpu \(95 %\): move db1 → kvm-a/);
    assert.match(text, /before: \{"host":"kvm-b"\}/);
    assert.match(text, /after: \{"host":"kvm-a"\}/);
    await page.mouse.move(0, 0);
  });
  await check('migrations: one lane per VM, bars from source to destination coloured by result', async () => {
    const lanes = await inCase('migrations-dark', '[data-testid="vmpilot-lane"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-vm'))
    );
    assert.deepEqual(lanes, ['batch1', 'db1']);
    const bars = await inCase('migrations-dark', '[data-testid="vmpilot-migration"]').evaluateAll((els) =>
      els.map((e) => [
        e.getAttribute('data-vm'),
        e.getAttribute('data-result'),
        e.querySelector('[data-testid="vmpilot-migration-label"]')?.textContent,
      ])
    );
    assert.deepEqual(bars, [
      ['batch1', 'failed', 'kvm-b → kvm-a'],
      ['db1', 'completed', 'kvm-b → kvm-a'],
    ]);
    assert.equal(await inCase('migrations-dark', '[data-testid="vmpilot-downtime"]').count(), 1);
    const fills = await inCase('migrations-dark', '[data-testid="vmpilot-migration"] > rect').evaluateAll((els) =>
      els.map((e) => e.getAttribute('fill'))
    );
    assert.notEqual(fills[0], fills[1]);
  });
  await check('no data: says what to query', async () => {
    assert.match(await inCase('empty', '[data-testid="vmpilot-empty"]').innerText(), /vmpilot_vm_points/);
  });
  await check('no errors in the page', async () => {
    assert.deepEqual(errors, []);
  });
  await page.screenshot({ path: path.join(out, 'panel.png'), fullPage: true });
} finally {
  await browser.close();
  await server.close();
}
console.log(results.join('\n'));
if (results.some((r) => r.startsWith('FAIL'))) {
  process.exitCode = 1;
} else {
  console.log(`browser test: ${results.length} checks passed (screenshot: tests/browser/out/panel.png)`);
}
