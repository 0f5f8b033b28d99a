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
  const page = await browser.newPage({ viewport: { width: 700, height: 3000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Failed requests by URL (the console only says "Failed to load resource").
  page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()} ${new URL(r.url()).pathname}`));
  page.on(
    'console',
    (m) =>
      m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(`console: ${m.text()}`)
  );
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
  /** A VizLegend's entries: [label, the colour of its series icon]. */
  const legendOf = (id, testid) =>
    inCase(id, `[data-testid="${testid}"] button`).evaluateAll((els) =>
      els.map((b) => [
        b.innerText.trim(),
        getComputedStyle(b.parentElement.querySelector('[data-testid="series-icon"]')).backgroundColor,
      ])
    );
  /** The cluster view's VMs: vm → [legend band, computed fill]. */
  const clusterVms = (id) =>
    inCase(id, '[data-testid="vmpilot-cluster-vm"]').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.dataset.vm, [e.dataset.band, getComputedStyle(e).fill]]))
    );
  /** The page's one visible @grafana/ui tooltip (rendered in a portal, outside the panel). */
  const tooltip = (testid) => page.locator(`[role="tooltip"] [data-testid="${testid}"]`);

  await check('points: the priority column shows each VM’s class and weight (vmpilot_vm_priority)', async () => {
    const shown = await inCase('points-light', '[data-testid="vmpilot-points-row"]').evaluateAll((els) =>
      Object.fromEntries(
        els.map((e) => [e.dataset.vm, e.querySelector('[data-testid="vmpilot-points-priority"]')?.textContent])
      )
    );
    assert.deepEqual(shown, { db1: 'normal', web1: 'low ×0.5', web2: 'critical', batch1: 'high ×2' });
  });
  await check('points: sorted by priority — most important class first, not by points', async () => {
    const vms = await inCase('points-priority', '[data-testid="vmpilot-points-row"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-vm'))
    );
    assert.deepEqual(vms, ['web2', 'batch1', 'db1', 'web1']);
  });
  await check('points: the legend is Grafana’s VizLegend, one entry per resource in the bars’ colours', async () => {
    const legend = await legendOf('points-light', 'vmpilot-legend');
    assert.deepEqual(
      legend.map(([label]) => label),
      ['cpu', 'mem', 'disk', 'net']
    );
    const bars = await inCase('points-light', '[data-vm="db1"] rect[data-resource]').evaluateAll((els) =>
      els.map((e) => getComputedStyle(e).fill)
    );
    assert.deepEqual(
      legend.map(([, color]) => color),
      bars
    );
    // Readable in the dark theme: the labels take the panel's text colour (Grafana's global styles).
    const [label, text] = await inCase('points-priority', '[data-testid="vmpilot-legend"] button').evaluateAll(
      (els) => [getComputedStyle(els[0]).color, getComputedStyle(els[0].closest('[data-case]')).color]
    );
    assert.equal(label, text);
  });
  await check(
    'points: hovering a row shows a Grafana tooltip with its points, priority and service level',
    async () => {
      await inCase(
        'points-light',
        '[data-testid="vmpilot-points-row"][data-vm="batch1"] rect[data-resource="cpu"]'
      ).hover();
      const tip = tooltip('vmpilot-points-tooltip');
      await tip.waitFor({ timeout: 5000 });
      const text = await tip.innerText();
      assert.match(text, /batch1 on kvm-b/);
      assert.match(text, /cpu 5\.0 · mem 2\.0 · disk 0\.0 · net 0\.0/);
      assert.match(text, /total 7\.0 points/);
      assert.match(text, /priority high ×2/);
      assert.match(text, /service level 0\.31/);
      await page.mouse.move(0, 0);
      await tip.waitFor({ state: 'detached', timeout: 5000 });
    }
  );
  await check('points: the field config’s unit, decimals and max (a full bar) are followed', async () => {
    const totals = await inCase('points-fieldconfig', '[data-testid="vmpilot-points-total"]').evaluateAll((els) =>
      els.map((e) => e.textContent)
    );
    assert.deepEqual(totals, ['90%', '60%', '22%', '7%']);
    const cpu = (id) => inCase(id, '[data-vm="db1"] rect[data-resource="cpu"]').getAttribute('width');
    // Without max the largest VM (90) fills the bar; with max 200 the same bar is 90/200 of it.
    const ratio = Number(await cpu('points-fieldconfig')) / Number(await cpu('points-light'));
    assert.ok(Math.abs(ratio - 90 / 200) < 0.01, `ratio ${ratio}`);
  });
  await check('cluster: VMs coloured by the default thresholds, legend (VizLegend) in the same colours', async () => {
    const vms = await clusterVms('cluster-points');
    assert.deepEqual(Object.fromEntries(Object.entries(vms).map(([vm, [band]]) => [vm, band])), {
      db1: '3',
      batch1: '0',
      web1: '3',
      web2: '1',
    });
    const legend = await legendOf('cluster-points', 'vmpilot-cluster-legend');
    assert.deepEqual(
      legend.map(([label]) => label),
      ['points < 10', '10–25', '25–50', '≥ 50']
    );
    for (const [vm, [band, fill]] of Object.entries(vms)) {
      assert.equal(fill, legend[Number(band)][1], `${vm} in band ${band}`);
    }
  });
  await check('cluster: thresholds from the field config change the colours and the legend', async () => {
    const vms = await clusterVms('cluster-thresholds');
    assert.deepEqual(Object.fromEntries(Object.entries(vms).map(([vm, [band]]) => [vm, band])), {
      db1: '1',
      batch1: '0',
      web1: '1',
      web2: '0',
    });
    const legend = await legendOf('cluster-thresholds', 'vmpilot-cluster-legend');
    assert.deepEqual(
      legend.map(([label]) => label),
      ['points < 50', '≥ 50']
    );
    assert.equal(vms.db1[1], legend[1][1]);
    assert.equal(vms.web2[1], legend[0][1]);
    assert.notEqual(legend[0][1], legend[1][1]);
  });
  await check('cluster: coloured by service level — default bands below 0.5 / from 0.5, and no SLI', async () => {
    const vms = await clusterVms('cluster-service-level');
    assert.deepEqual(Object.fromEntries(Object.entries(vms).map(([vm, [band]]) => [vm, band])), {
      db1: '1',
      batch1: '0',
      web1: '0',
      web2: 'none',
    });
    const legend = Object.fromEntries(await legendOf('cluster-service-level', 'vmpilot-cluster-legend'));
    assert.deepEqual(Object.keys(legend), ['service level < 0.5', '≥ 0.5', 'no SLI']);
    assert.equal(vms.web1[1], legend['service level < 0.5']);
    assert.equal(vms.db1[1], legend['≥ 0.5']);
    assert.equal(vms.web2[1], legend['no SLI']);
    assert.equal(new Set(Object.values(legend)).size, 3);
  });
  await check('cluster: service-level bands from a thresholds override on its query (3 bands)', async () => {
    const vms = await clusterVms('cluster-level-thresholds');
    assert.deepEqual(Object.fromEntries(Object.entries(vms).map(([vm, [band]]) => [vm, band])), {
      db1: '2',
      batch1: '1',
      web1: '0',
      web2: 'none',
    });
    const legend = Object.fromEntries(await legendOf('cluster-level-thresholds', 'vmpilot-cluster-legend'));
    assert.deepEqual(Object.keys(legend), ['service level < 0.31', '0.31–0.75', '≥ 0.75', 'no SLI']);
    assert.equal(vms.web1[1], legend['service level < 0.31']);
    assert.equal(vms.batch1[1], legend['0.31–0.75']);
    assert.equal(vms.db1[1], legend['≥ 0.75']);
    assert.equal(new Set(Object.values(legend)).size, 4);
    // The override's named colours, as Grafana resolves them (blue is not a default band colour).
    const defaults = Object.values(
      Object.fromEntries(await legendOf('cluster-service-level', 'vmpilot-cluster-legend'))
    );
    assert.ok(!defaults.includes(legend['≥ 0.75']), `${legend['≥ 0.75']} is a default colour`);
  });
  await check(
    'cluster: default service-level bands in the colour-blind scheme: vermillion below, bluish green from 0.5',
    async () => {
      const vms = await clusterVms('cluster-level-colorblind');
      assert.equal(vms.web1[1], 'rgb(213, 94, 0)'); // #D55E00
      assert.equal(vms.db1[1], 'rgb(0, 158, 115)'); // #009E73
      assert.equal(vms.web2[1], 'rgb(153, 153, 153)'); // #999999
    }
  );
  await check('cluster: a VM’s tooltip and its events list show its priority', async () => {
    await inCase('cluster-points', '[data-testid="vmpilot-cluster-vm"][data-vm="web2"]').hover();
    const tip = tooltip('vmpilot-cluster-tooltip');
    await tip.waitFor({ timeout: 5000 });
    const text = await tip.innerText();
    assert.match(text, /web2 on kvm-a, 1 GiB/);
    assert.match(text, /priority critical/);
    assert.match(text, /service level – \(no SLI\)/);
    await inCase('cluster-points', '[data-testid="vmpilot-cluster-vm"][data-vm="batch1"]').click();
    const list = inCase('cluster-points', '[data-testid="vmpilot-cluster-vm-events"]');
    await list.waitFor({ timeout: 5000 });
    assert.match(await list.innerText(), /batch1 \(priority high ×2\)/);
    await page.mouse.move(0, 0);
  });
  await check('events: a marker per event in its kind lane; hovering shows reason and before/after', async () => {
    const kinds = await inCase('events-light', '[data-testid="vmpilot-event"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-kind'))
    );
    assert.deepEqual(kinds, ['local', 'alert', 'global', 'global']);
    await inCase('events-light', '[data-id="m1"]').hover();
    const tip = tooltip('vmpilot-event-tooltip');
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
    const fills = await inCase('migrations-dark', '[data-testid="vmpilot-migration-bar"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('fill'))
    );
    assert.notEqual(fills[0], fills[1]);
  });
  await check(
    'migrations: hovering a bar shows a Grafana tooltip (no SVG <title>) with result, downtime and reason',
    async () => {
      assert.equal(await page.locator('[data-testid="vmpilot-migrations"] title').count(), 0);
      await inCase(
        'migrations-dark',
        '[data-testid="vmpilot-migration"][data-vm="db1"] [data-testid="vmpilot-migration-bar"]'
      ).hover();
      const tip = tooltip('vmpilot-migration-tooltip');
      await tip.waitFor({ timeout: 5000 });
      const text = await tip.innerText();
      assert.match(text, /db1: kvm-b → kvm-a \(completed\)/);
      assert.match(text, /took 39 s/);
      assert.match(text, /downtime 108 ms/);
      assert.match(text, /kvm-b overloaded on cpu \(95 %\): move db1 → kvm-a/);
      await page.mouse.move(0, 0);
    }
  );
  await check('events: a VizLegend of the kinds in the markers’ colours', async () => {
    const legend = Object.fromEntries(await legendOf('events-light', 'vmpilot-events-legend'));
    assert.deepEqual(Object.keys(legend), ['local', 'global', 'alert', 'operator']);
    assert.equal(new Set(Object.values(legend)).size, 4);
    const markers = await inCase('events-light', '[data-testid="vmpilot-event"]').evaluateAll((els) =>
      els.map((e) => [e.dataset.kind, getComputedStyle(e).fill])
    );
    for (const [kind, fill] of markers) {
      assert.equal(fill, legend[kind], `${kind} marker`);
    }
  });
  await check('cluster: host headers have a Grafana tooltip (load per resource), no SVG <title>', async () => {
    assert.equal(await page.locator('[data-testid="vmpilot-cluster"] title').count(), 0);
    await inCase('cluster-points', '[data-testid="vmpilot-cluster-host-header"]').first().hover();
    const tip = tooltip('vmpilot-cluster-host-tooltip');
    await tip.waitFor({ timeout: 5000 });
    assert.match(await tip.innerText(), /^kvm-\w+[\s\S]*cpu \d+, mem \d+, disk \d+, net \d+ points/);
    await page.mouse.move(0, 0);
  });
  await check('cluster: 6 hosts fit — no zoom control, no sideways scroll', async () => {
    assert.equal(await inCase('cluster-points', '[data-testid="vmpilot-cluster-zoom"]').count(), 0);
    const { sw, cw } = await inCase('cluster-points', '[data-testid="vmpilot-cluster-scroll"]').evaluate((e) => ({
      sw: e.scrollWidth,
      cw: e.clientWidth,
    }));
    assert.ok(sw <= cw, `scrolls: ${sw} > ${cw}`);
  });
  await check(
    'cluster at 100 hosts: "fit" shows every host in the width with hotspot marks; "detail" scrolls with names',
    async () => {
      const scroll = inCase('cluster-100', '[data-testid="vmpilot-cluster-scroll"]');
      const zoom = inCase('cluster-100', '[data-testid="vmpilot-cluster-zoom"]');
      assert.equal(await zoom.getAttribute('data-zoom'), 'fit');
      const widths = () => scroll.evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth }));
      let w = await widths();
      assert.ok(w.sw <= w.cw, `fit scrolls: ${w.sw} > ${w.cw}`);
      assert.equal(await inCase('cluster-100', '[data-testid="vmpilot-cluster-host"]').count(), 100);
      assert.equal(await inCase('cluster-100', '[data-testid="vmpilot-cluster-vm"]').count(), 1000);
      // Narrow columns: the hotspot is a red mark, not text; the header tooltip names the host.
      const hot = inCase('cluster-100', '[data-testid="vmpilot-cluster-host"][data-hotspot="true"]');
      assert.equal(await hot.locator('[data-testid="vmpilot-cluster-hot-mark"]').count(), 1);
      await hot.locator('[data-testid="vmpilot-cluster-host-header"]').hover({ force: true });
      const tip = tooltip('vmpilot-cluster-host-tooltip');
      await tip.waitFor({ timeout: 5000 });
      assert.match(await tip.innerText(), /kvm-001 — hotspot \(cpu/);
      await page.mouse.move(0, 0);
      await page.screenshot({
        path: path.join(out, 'cluster-100-fit.png'),
        clip: await inCase('cluster-100', '[data-testid="vmpilot-cluster"]').boundingBox(),
      });
      await zoom.getByLabel('Detail').click();
      assert.equal(await zoom.getAttribute('data-zoom'), 'detail');
      w = await widths();
      assert.ok(w.sw > w.cw * 2, `detail does not scroll: ${w.sw} vs ${w.cw}`);
      assert.equal(await inCase('cluster-100', 'text').filter({ hasText: 'kvm-050' }).count(), 1);
      await zoom.getByLabel('Fit').click();
    }
  );
  await check('cluster: a move arrow has a Grafana tooltip with its hosts, state and reason', async () => {
    const arrow = inCase(
      'cluster-100',
      '[data-testid="vmpilot-cluster-move"][data-state="running"] [data-testid="vmpilot-cluster-move-target"]'
    );
    // An arc: the middle of its box is not on it; move to the middle of the curve.
    const at = await arrow.evaluate((e) => {
      const p = e.getPointAtLength(e.getTotalLength() / 2);
      const m = e.getScreenCTM();
      return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
    });
    await page.mouse.move(at.x, at.y);
    const tip = tooltip('vmpilot-cluster-move-tooltip');
    await tip.waitFor({ timeout: 5000 });
    const text = await tip.innerText();
    assert.match(text, /vm-1-1: kvm-001 → kvm-\d+, running/);
    assert.match(text, /kvm-001 overloaded on cpu/);
    await page.mouse.move(0, 0);
  });
  /** The move labels' boxes in the cluster view's drawing, and the drawing's size. */
  const moveLabels = (id) =>
    inCase(id, '[data-testid="vmpilot-cluster-scroll"] > svg').evaluate((svg) => ({
      w: svg.width.baseVal.value,
      h: svg.height.baseVal.value,
      labels: [...svg.querySelectorAll('[data-testid="vmpilot-cluster-move-label"]')].map((t) => {
        const b = t.getBBox();
        return { text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height };
      }),
    }));
  /** Every label box inside the drawing, no two intersecting; the running move's label among them. */
  const assertLabelsLaidOut = ({ w, h, labels }, where) => {
    for (const l of labels) {
      assert.ok(
        l.x >= 0 && l.y >= 0 && l.x + l.w <= w && l.y + l.h <= h,
        `${where}: ${JSON.stringify(l)} outside ${w}×${h}`
      );
    }
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        assert.ok(apart, `${where}: labels overlap: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      }
    }
    assert.ok(
      labels.some((l) => /^vm-1-1 \d+ %$/.test(l.text)),
      `${where}: no label of the running move in ${JSON.stringify(labels.map((l) => l.text))}`
    );
  };
  await check('cluster at 6 hosts: 8 move labels inside the drawing, none over another', async () => {
    assert.equal(await inCase('cluster-6', '[data-testid="vmpilot-cluster-move"]').count(), 8);
    const laid = await moveLabels('cluster-6');
    assertLabelsLaidOut(laid, '6 hosts');
    console.log(`6 hosts: ${laid.labels.length} of 8 move labels shown: ${laid.labels.map((l) => l.text).join(', ')}`);
    await page.screenshot({
      path: path.join(out, 'cluster-6-labels.png'),
      clip: await inCase('cluster-6', '[data-testid="vmpilot-cluster"]').boundingBox(),
    });
  });
  await check('cluster at 100 hosts: move labels inside the drawing and apart, in fit and in detail', async () => {
    const zoom = inCase('cluster-100', '[data-testid="vmpilot-cluster-zoom"]');
    assert.equal(await zoom.getAttribute('data-zoom'), 'fit');
    assertLabelsLaidOut(await moveLabels('cluster-100'), 'fit');
    await zoom.getByLabel('Detail').click();
    assert.equal(await zoom.getAttribute('data-zoom'), 'detail');
    assertLabelsLaidOut(await moveLabels('cluster-100'), 'detail');
    await zoom.getByLabel('Fit').click();
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
