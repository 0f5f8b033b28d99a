// Running the lab's external commands (apt-get, dpkg-deb, ip, nsenter, virsh…): every call
// has a deadline, and a failure becomes one line naming the command and its last stderr line.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface RunOptions {
  /** Deadline in milliseconds; the process gets SIGKILL past it. */
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** An external command that failed, timed out or could not be started. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const lastLine = (s: string) => s.trim().split('\n').slice(-1)[0] ?? '';

/** Runs `cmd args…` (no shell) and resolves to its stdout. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      {
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        cwd: opts.cwd,
        env: opts.env,
        maxBuffer: 64 * 2 ** 20,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const shown = [cmd, ...args].join(' ').slice(0, 200);
        const killed = (err as { killed?: boolean }).killed;
        const why = killed
          ? `timed out after ${opts.timeoutMs} ms`
          : lastLine(stderr) || lastLine(stdout) || err.message;
        reject(new CommandError(`${shown}: ${why}`, stderr, { cause: err }));
      },
    );
  });
}

/** Like `run`, but resolves to false instead of rejecting when the command fails. */
export async function succeeds(cmd: string, args: readonly string[], opts: RunOptions): Promise<boolean> {
  try {
    await run(cmd, args, opts);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of an executable found on PATH (plus the sbin directories), or null. */
export function which(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}
