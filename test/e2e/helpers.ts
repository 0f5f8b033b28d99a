// Helpers of the end-to-end suites: free ports, the compiled CLI as a child process in its
// own process group (so a test can SIGKILL it and everything it started), polling.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { findBinary } from '../../core/procs/prometheus';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'vmpilot.js');

/** The CLI runs from dist/: build it when missing (npm test's setup step normally has). */
export function ensureBuilt(): void {
  if (existsSync(path.join(ROOT, 'dist', 'autoscaler', 'cli', 'main.js'))) return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** Runs `vmpilot ARGS…` detached in its own process group, capturing output. */
export function spawnVmpilot(args: string[], opts: { cwd?: string } = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** Value of one sample in Prometheus text format, or undefined. */
export function sampleValue(
  metrics: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

/** Sum of every sample of `name` whose labels include `labels`. */
export function sampleSum(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** PIDs (other than ours) whose command line contains `needle`; pgrep's "no match" is []. */
function pidsMatching(needle: string): number[] {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-f', '--', needle], { encoding: 'utf8' });
  } catch (e) {
    // pgrep exits 1 when nothing matches; anything else is a broken check, not "none left".
    if ((e as { status?: number }).status === 1) return [];
    throw e;
  }
  return out
    .trim()
    .split('\n')
    .filter((pid) => pid !== '')
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/** Whether any process's command line contains `needle` (to prove nothing was left behind). */
export function processRunning(needle: string): boolean {
  return pidsMatching(needle).length > 0;
}

/** `p`, or `fallback` after `ms` — the timer is cleared either way (no open handle left). */
export async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<F>((r) => (timer = setTimeout(() => r(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills the Prometheus this suite's demo started on `port` (if a failed test left it behind). */
export function killPrometheusOnPort(port: number): void {
  for (const pid of pidsMatching(`--web.listen-address=127.0.0.1:${port}`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** CI installs Prometheus (scripts/setup.sh): without it the e2e suites fail and say why. */
export function requirePrometheus(): void {
  if (findBinary('prometheus') === undefined) {
    throw new Error('prometheus is not installed: run scripts/setup.sh (apt-get install prometheus)');
  }
}
