// Helpers of the exporter's integration suites: fetch /metrics, drop what changes from run
// to run (durations, process metrics), and lint with `promtool check metrics`.
import { execFile } from 'node:child_process';

export async function getMetrics(url: string, timeoutMs = 15_000): Promise<{ text: string; ms: number }> {
  const t0 = Date.now();
  // identity: fetch would gunzip on libuv's thread pool, which a frozen libvirtd's blocked
  // calls (koffi .async) fill in this same process — the test client would hang, not the exporter.
  const r = await fetch(`${url}/metrics`, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { 'Accept-Encoding': 'identity' },
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`GET ${url}/metrics: HTTP ${r.status}: ${text}`);
  return { text, ms: Date.now() - t0 };
}

const VOLATILE =
  /^(# (HELP|TYPE) )?(vmpilot_scrape_collector_duration_seconds|vmpilot_scrape_duration_seconds|vmpilot_build_info|process_|nodejs_)/;

/** The vmpilot_ part of a scrape without durations: stable for a fixed clock. */
export function stableLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== '' && !VOLATILE.test(l))
    .join('\n')
    .concat('\n');
}

/** The value of the first sample of `series` (name plus label text), or undefined. */
export function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export const PROMTOOL = '/usr/bin/promtool';

/** Output of `promtool check metrics` on `text` (empty when clean). */
export function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL, ['check', 'metrics'], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(text);
  });
}
