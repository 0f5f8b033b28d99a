// One acting autoscaler per journal: `<journal>.lock` is created with O_EXCL and holds the
// holder's pid, host and process start time. A second `vmpilot autoscaler` on the same
// journal finds it and refuses to start, naming the holder. The file is removed on a
// clean stop. A lock left by a killed process (kill -9, power loss) is taken over at the
// next start when its holder is provably gone: same host, and no process with that pid and
// that start time (a pid reused by another program does not keep a dead lock alive).
// A holder on another host cannot be checked from here: refused, with the file to remove.
// With leader election (autoscaler/leader/) the etcd lease is the lock and this is unused.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';
import { z } from 'zod';

const holderSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** ISO time the lock was taken. */
  since: z.string(),
  /** The holder's start time in clock ticks since boot (/proc/PID/stat field 22); absent off Linux. */
  startTicks: z.string().optional(),
});
export type LockHolder = z.infer<typeof holderSchema>;

/** A second autoscaler on this journal: the message names the holder and the file. */
export class LockedError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder | undefined,
    detail: string,
  ) {
    super(
      holder
        ? `another autoscaler acts on this journal: pid ${holder.pid} on ${holder.host} holds ${file} since ${holder.since}${detail}`
        : `${file}: ${detail}`,
    );
    this.name = 'LockedError';
  }
}

export function lockFileFor(journal: string): string {
  return `${journal}.lock`;
}

/** The start time of a live process, or undefined if there is none with that pid (Linux /proc). */
function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie (killed, not yet reaped by its parent) no longer acts.
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** Whether the holder's process is still running (on this host). */
function holderAlive(h: LockHolder): boolean {
  if (existsSync('/proc/self/stat')) {
    const ticks = startTicksOf(h.pid);
    return ticks !== undefined && (h.startTicks === undefined || ticks === h.startTicks);
  }
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    // EPERM: a process exists that we may not signal — alive, and not ours to take over.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const r = holderSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export interface InstanceLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** Takes the journal's lock or throws LockedError (another holder) / an I/O error. */
export function acquireInstanceLock(journal: string, now = new Date()): InstanceLock {
  const file = lockFileFor(journal);
  // The journal creates its directory when it opens; the lock is taken before that.
  mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: now.toISOString(),
    ...(startTicksOf(process.pid) !== undefined ? { startTicks: startTicksOf(process.pid) } : {}),
  };
  // Two tries: the second after removing a provably stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(file);
      if (!holder)
        throw new LockedError(
          file,
          undefined,
          'exists but names no holder (a crash while it was written?): remove it if no other autoscaler runs on this journal',
        );
      if (holder.host !== me.host)
        throw new LockedError(file, holder, `; remove the file if that process is gone`);
      if (holderAlive(holder)) throw new LockedError(file, holder, '; stop it first');
      // Stale: its process is gone. Removed only if it still names that holder, then
      // created again exclusively. (Two autoscalers starting within the same instant on one
      // stale lock could still both pass: the window is the read-to-unlink gap.)
      const again = readHolder(file);
      if (again && (again.pid !== holder.pid || again.since !== holder.since)) continue;
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        const h = readHolder(file);
        if (h && h.pid === me.pid && h.since === me.since) {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        }
      },
    };
  }
  throw new LockedError(file, readHolder(file), '; it was taken while a stale lock was removed');
}
