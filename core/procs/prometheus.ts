// Starts Debian's `prometheus` binary on 127.0.0.1 with a generated config, for the demo
// and for tests. Waits for /-/ready within a deadline; stop() kills its process group.
// Restarting on the same port and dataDir works (the TSDB lock is released on stop).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const PROMETHEUS_NOT_FOUND = 'prometheus not found: apt-get install prometheus';

export interface PrometheusOptions {
  /** host:port of each target scraped at /metrics (job "vmpilot"). */
  scrapeTargets: string[];
  scrapeIntervalSeconds?: number;
  /** 0 or undefined = a free port is probed. */
  port?: number;
  /** TSDB directory; default a temp dir removed on stop. A given dir is kept. */
  dataDir?: string;
  ruleFiles?: string[];
  extraArgs?: string[];
  /** Deadline for /-/ready (default 30 s). */
  readyTimeoutMs?: number;
  /** Path of the binary (default: `prometheus` on PATH). */
  binary?: string;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The prometheus.yml for `opts` (pure). */
export function prometheusConfig(
  opts: Pick<PrometheusOptions, 'scrapeTargets' | 'scrapeIntervalSeconds' | 'ruleFiles'>,
): string {
  const interval = `${opts.scrapeIntervalSeconds ?? 5}s`;
  const lines = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    ...(opts.ruleFiles?.length
      ? ['rule_files:', ...opts.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)]
      : []),
    'scrape_configs:',
    '  - job_name: vmpilot',
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: [${opts.scrapeTargets.map((t) => JSON.stringify(t)).join(', ')}]`,
  ];
  return `${lines.join('\n')}\n`;
}

async function waitReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}: ${log()}`);
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`prometheus not ready at ${url} within ${timeoutMs} ms: ${log()}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = opts.binary ?? findBinary('prometheus');
  if (!binary || !existsSync(binary)) throw new Error(PROMETHEUS_NOT_FOUND);
  const port = opts.port || (await freePort());
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'vmpilot-prometheus-'));
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(opts));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dataDir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...(opts.extraArgs ?? []),
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000); // bounded: last lines only
  });
  const lastLine = () => stderr.trim().split('\n').slice(-1)[0] ?? '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, opts.readyTimeoutMs ?? 30_000, lastLine);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, dataDir, stop };
}
