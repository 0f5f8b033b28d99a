// `vmpilot simulate --report` for the seed experiment's comparison (the four modes of seed
// 000 §V), opened from file:// in Debian's Chromium (playwright-core): every chart drawn
// (one canvas per chart, each with its series and points), no page error, no request
// leaving the file, and the page's numbers — the embedded JSON and the summary table's
// cells — equal to what `--json` printed in the same run. Screenshot: test/artefacts/.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { TABLE_FIELDS, REPORT_DATA_ID, type ReportData } from '../../autoscaler/simulate/report';
import { BIN, ensureBuilt, ROOT } from '../e2e/helpers';
import { launchChromium } from '../../bench/lib/chromium';

jest.setTimeout(180_000);

const MODES = ['nontuning', 'local', 'global', 'gl'];
const ARTEFACTS = path.join(ROOT, 'test', 'artefacts');

interface Drawn {
  id: string;
  series: number;
  points: number;
}

/** What report-page.js leaves on the page (this file compiles without the DOM library). */
interface ReportGlobal {
  vmpilotReport?: { ready: boolean; charts: Drawn[] };
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

function vmpilot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `--json`'s object without the one field that differs between two runs of the same thing. */
const withoutWall = ({ wall_ms: _w, ...rest }: Record<string, unknown>) => rest;

describe('simulate --report: the seed experiment across modes in Chromium', () => {
  let tmp: string;
  let browser: Browser;
  let json: Record<string, unknown>[];
  let reportFile: string;

  beforeAll(async () => {
    ensureBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-report-'));
    reportFile = path.join(tmp, 'seed-experiment.html');
    const r = await vmpilot([
      'simulate',
      '--scenario',
      'seed-experiment',
      '--mode',
      MODES.join(','),
      '--json',
      '--report',
      reportFile,
    ]);
    if (r.code !== 0) throw new Error(`simulate failed (${r.code}): ${r.stderr}`);
    json = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('--json prints one line per mode, in the order given', () => {
    expect(json.map((j) => j.mode)).toEqual(MODES);
    for (const j of json) expect(j.scenario).toBe('seed-experiment');
  });

  it('opens from file:// with every chart drawn, no page error, nothing fetched, numbers equal to --json', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (req) => requests.push(req.url()));
    const url = pathToFileURL(reportFile).href;
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as ReportGlobal).vmpilotReport?.ready, null, {
      timeout: 30_000,
    });
    expect(errors).toEqual([]);
    // Self-contained: the only request is the file itself (uPlot is inlined).
    expect(requests).toEqual([url]);

    // The embedded data is --json's objects, number for number.
    const embedded = JSON.parse(
      await page
        .locator(`#${REPORT_DATA_ID}`)
        .textContent()
        .then((t) => t ?? ''),
    ) as ReportData;
    expect(embedded.runs.map((r) => withoutWall(r.summary as unknown as Record<string, unknown>))).toEqual(
      json.map(withoutWall),
    );

    // The summary table's cells: each holds --json's number (data-value) and shows it rounded.
    for (const j of json) {
      for (const [field, , digits] of TABLE_FIELDS) {
        const cell = page.locator(`#summary tr[data-mode="${String(j.mode)}"] td[data-field="${field}"]`);
        expect(Number(await cell.getAttribute('data-value'))).toBe(j[field]);
        expect(await cell.textContent()).toBe((j[field] as number).toFixed(digits));
      }
    }

    // Every chart: one uPlot canvas each, with one series per mode and points in them.
    const drawn = await page.evaluate(() => (globalThis as ReportGlobal).vmpilotReport?.charts ?? []);
    const hosts = Object.keys(embedded.runs[0].series.host_cpu_per_minute);
    expect(hosts).toHaveLength(6);
    const moved = json.filter(
      (j) =>
        (j.migrations as number) + (j.migrations_failed as number) + (j.migrations_in_flight as number) > 0,
    );
    expect(moved.length).toBeGreaterThan(0); // global and gl migrate on the seed experiment
    const expectedIds = [
      'throughput',
      'response-time',
      'sla-per-vm',
      'response-rate-per-vm',
      ...hosts.map((h) => `host-cpu-${h}`),
      ...moved.map((j) => `migrations-${String(j.mode)}`),
    ];
    expect(drawn.map((c) => c.id)).toEqual(expectedIds);
    expect(await page.locator('[data-chart] canvas').count()).toBe(expectedIds.length);
    for (const id of expectedIds) expect(await page.locator(`[data-chart="${id}"] canvas`).count()).toBe(1);
    const minutes = (json[0].duration_s as number) / 60;
    const byId = new Map(drawn.map((c) => [c.id, c]));
    // throughput: a line per mode plus the offered requests, a point per minute each
    expect(byId.get('throughput')).toEqual({
      id: 'throughput',
      series: MODES.length + 1,
      points: (MODES.length + 1) * minutes,
    });
    for (const h of hosts)
      expect(byId.get(`host-cpu-${h}`)).toEqual({
        id: `host-cpu-${h}`,
        series: MODES.length,
        points: MODES.length * minutes,
      });
    // per-VM bars: a bar per VM and mode
    const vms = (json[0].vms as unknown[]).length;
    expect(vms).toBe(18);
    for (const id of ['sla-per-vm', 'response-rate-per-vm'])
      expect(byId.get(id)).toEqual({ id, series: MODES.length, points: MODES.length * vms });
    // timelines: a lane per VM that moved
    for (const j of moved) {
      const lanes = new Set(
        embedded.runs.find((r) => r.summary.mode === j.mode)!.series.migration_timeline.map((s) => s.vm),
      );
      expect(byId.get(`migrations-${String(j.mode)}`)?.series).toBe(lanes.size);
    }
    // The modes without a migration say so instead of an empty chart.
    for (const j of json.filter((x) => !moved.includes(x)))
      await expect(
        page.locator(`[data-empty="migrations-${String(j.mode)}"]`).textContent(),
      ).resolves.toMatch(/no migration/);
    // The canvases are painted (not blank): some pixels differ from the background.
    for (const id of expectedIds) {
      const painted = await page.locator(`[data-chart="${id}"] canvas`).evaluate((el) => {
        const c = el as unknown as Canvas;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
        return n;
      });
      expect(painted).toBeGreaterThan(100);
    }

    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({
      path: path.join(ARTEFACTS, 'simulate-report-seed-experiment.png'),
      fullPage: true,
    });
    await page.close();
  });

  it('the report file is the same bytes for the same runs (deterministic, nothing but results in it)', async () => {
    const again = path.join(tmp, 'again.html');
    const r = await vmpilot([
      'simulate',
      '--scenario',
      'seed-experiment',
      '--mode',
      MODES.join(','),
      '--report',
      again,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`report written to ${again}`);
    const strip = (s: string) => s.replace(/"wall_ms":[0-9.e+-]+/g, '"wall_ms":0');
    expect(strip(readFileSync(again, 'utf8'))).toBe(strip(readFileSync(reportFile, 'utf8')));
  });
});
