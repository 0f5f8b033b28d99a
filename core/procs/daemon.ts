// A server binary started by vmpilot (Prometheus, Alertmanager) on 127.0.0.1: spawned in
// its own process group, ready once GET /-/ready answers 200 (within a deadline), stopped
// with SIGTERM then SIGKILL of the whole group. stderr is kept, bounded, for error messages.
//
// If vmpilot itself dies without stopping it (SIGKILL, OOM killer), the daemon gets
// SIGTERM from the kernel: it runs under util-linux's `setpriv --pdeathsig SIGTERM`, which
// sets the parent-death signal and then execs the binary (same pid). Without setpriv (not
// Debian) a daemon can outlive a killed vmpilot.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

export interface DaemonOptions {
  /** Name in error messages. */
  name: string;
  binary: string;
  args: string[];
  /** Base URL; `${url}/-/ready` must answer 200 once it serves. */
  url: string;
  /** Deadline for /-/ready (default 30 s). */
  readyTimeoutMs?: number;
  /** Headers of the /-/ready probe (e.g. basic auth of a daemon behind --web.config.file). */
  readyHeaders?: Record<string, string>;
  /** Runs after the process exited (e.g. removing its temp dir). */
  afterStop?: () => void;
}

export interface RunningDaemon {
  stop(): Promise<void>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitReady(o: DaemonOptions, child: ChildProcess, log: () => string): Promise<void> {
  const timeoutMs = o.readyTimeoutMs ?? 30_000;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with code ${child.exitCode}: ${log()}`);
    try {
      const r = await fetch(`${o.url}/-/ready`, {
        signal: AbortSignal.timeout(1000),
        ...(o.readyHeaders ? { headers: o.readyHeaders } : {}),
      });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${o.name} not ready at ${o.url} within ${timeoutMs} ms: ${log()}`);
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const [cmd, args] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', o.binary, ...o.args]]
    : [o.binary, o.args];
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
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
    o.afterStop?.();
  };
  try {
    await waitReady(o, child, lastLine);
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}
