// Benchmark: the panel's cluster view at 100 simulated hosts, rendered by the *built*
// plugin (grafana-plugin/dist) in Debian's Chromium. The bench page
// (grafana-plugin/live/bench.html) mounts the panel afresh per run on a synthetic cluster
// and times it until the browser has laid out and painted (two animation frames).
// `npm run bench -- cluster-view [hosts] [vmsPerHost] [runs]`; needs the plugin and page
// builds (`npm --prefix grafana-plugin run build:all`) and chromium. A screenshot of the
// last run is written to the temp dir (its path is printed).
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { CHROMIUM, CHROMIUM_ARGS } from './lib/chromium';

const PLUGIN = path.resolve(__dirname, '..', '..', 'grafana-plugin');

/** The part of playwright-core this bench uses (it is the plugin package's dependency, untyped here). */
interface Page {
  goto(url: string, o: { timeout: number }): Promise<unknown>;
  waitForFunction(fn: string, arg: undefined, o: { timeout: number }): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  screenshot(o: { path: string; fullPage: boolean }): Promise<unknown>;
  on(ev: 'pageerror', fn: (e: Error) => void): void;
}
interface Browser {
  newPage(o: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
interface Chromium {
  launch(o: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser>;
}

interface BenchResult {
  hosts?: number;
  vms?: number;
  renderMs?: number[];
  error?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const hosts = Number(process.argv[2] ?? 100);
  const vmsPerHost = Number(process.argv[3] ?? 10);
  const runs = Number(process.argv[4] ?? 7);
  const pageDir = path.join(PLUGIN, 'live', 'dist');
  const pluginDir = path.join(PLUGIN, 'dist');
  for (const [f, how] of [
    [path.join(pageDir, 'bench.html'), 'npm --prefix grafana-plugin run build:live'],
    [path.join(pluginDir, 'module.js'), 'npm --prefix grafana-plugin run build'],
    [CHROMIUM, 'apt-get install chromium'],
  ]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: ${how}`);
  }
  const { chromium } = createRequire(path.join(PLUGIN, 'package.json'))('playwright-core') as {
    chromium: Chromium;
  };
  const app = express();
  app.use('/plugin', express.static(pluginDir));
  app.use('/', express.static(pageDir));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 640 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/bench.html?hosts=${hosts}&vms=${vmsPerHost}&runs=${runs}`, {
      timeout: 60_000,
    });
    await page.waitForFunction('window.__bench !== undefined', undefined, { timeout: 120_000 });
    const r = await page.evaluate<BenchResult>('window.__bench');
    if (r.error || !r.renderMs) throw new Error(`bench page: ${r.error ?? 'no result'}`);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const shot = path.join(os.tmpdir(), `vmpilot-bench-cluster-view-${hosts}.png`);
    await page.screenshot({ path: shot, fullPage: false });
    const ms = r.renderMs.map((x) => Math.round(x * 10) / 10);
    console.log(
      `cluster view, ${r.hosts} hosts, ${r.vms} VMs, built plugin in Chromium: render + layout + paint`,
    );
    console.log(`  runs (ms): ${ms.join(', ')}; median ${median(ms).toFixed(1)} ms, first ${ms[0]} ms`);
    console.log(`  screenshot: ${shot}`);
    console.log(
      JSON.stringify({
        bench: 'cluster-view',
        hosts: r.hosts,
        vms: r.vms,
        runs: ms.length,
        render_ms_median: median(ms),
        render_ms_first: ms[0],
        render_ms_max: Math.max(...ms),
      }),
    );
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e: unknown) => {
  console.error(`bench cluster-view: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
