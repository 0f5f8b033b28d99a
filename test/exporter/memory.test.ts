// The exporter's memory settings (exporter/lean-memory.ts, malloc_trim after a scrape), as
// an operator runs it: the built `vmpilot exporter` on a 1,000-domain test-driver host.
// What is asserted are sizes the process reports about itself, not timings.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLibvirt } from '../../core/libvirt/adapter';
import { trimNativeHeap } from '../../core/libvirt/ffi';
import { freePort } from '../../core/procs/prometheus';
import { testDriverHostXml } from '../../bench/lib/generated-host';
import { GiveUp, pollUntil } from '../helpers/poll';
import { getMetrics, sampleValue } from './scrape-text';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'vmpilot.js');
const MiB = 1024 * 1024;
const DOMAINS = 1000;
let dir: string;
let hostUri: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-memory-'));
  const file = path.join(dir, 'big-host.xml');
  writeFileSync(file, testDriverHostXml(DOMAINS));
  hostUri = `big=test://${file}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function waitHealthy(url: string, child: ChildProcess): Promise<boolean> {
  return pollUntil(
    async () => {
      if (child.exitCode !== null) throw new GiveUp(`exporter exited with ${child.exitCode}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    { what: "the exporter's /healthz", timeoutMs: 30_000, intervalMs: 200 },
  );
}

/** Runs the CLI exporter, scrapes it `n` times, returns its young generation size as it reports it. */
async function youngGenerationAfterScrapes(extra: string[], n: number): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [CLI, 'exporter', '--connect', hostUri, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...extra],
    { stdio: 'ignore' },
  );
  try {
    await waitHealthy(url, child);
    let text = '';
    for (let i = 0; i < n; i++) text = (await getMetrics(url, 60_000)).text;
    expect(sampleValue(text, 'vmpilot_host_up{host="big"}')).toBe(1);
    expect(text).toContain('vmpilot_domain_state{host="big",domain="td-999"');
    const young = sampleValue(text, 'nodejs_heap_space_size_total_bytes{space="new"}');
    if (young === undefined)
      throw new Error('no nodejs_heap_space_size_total_bytes{space="new"} in /metrics');
    return young;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

describe('exporter memory', () => {
  it('keeps the young generation at its initial size by default, and lets V8 grow it with --no-lean-memory', async () => {
    expect(await youngGenerationAfterScrapes([], 15)).toBeLessThanOrEqual(4 * MiB);
    expect(await youngGenerationAfterScrapes(['--no-lean-memory'], 15)).toBeGreaterThan(4 * MiB);
  });

  it('malloc_trim hands back the memory a bulk stats read of 1,000 domains freed', async () => {
    const port = await openLibvirt(hostUri.slice('big='.length), { hostName: 'big' });
    try {
      const stats = await port.getStats('big');
      expect(stats.vms).toHaveLength(DOMAINS);
      expect(await trimNativeHeap()).toBe(true);
    } finally {
      await port.close();
    }
  });
});
