import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { acquireInstanceLock, lockFileFor, LockedError } from './instance-lock';

describe('instance lock beside the journal', () => {
  let dir: string;
  let journal: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-lock-'));
    journal = path.join(dir, 'sub', 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is held once: a second taker gets an error naming the holder; release frees it', () => {
    const a = acquireInstanceLock(journal);
    expect(a.file).toBe(lockFileFor(journal));
    expect(JSON.parse(readFileSync(a.file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    let err: unknown;
    try {
      acquireInstanceLock(journal);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^another autoscaler acts on this journal: pid ${process.pid} on ${hostname()} holds .*journal\\.jsonl\\.lock since .*; stop it first$`,
      ),
    );
    a.release();
    expect(existsSync(a.file)).toBe(false);
    a.release(); // idempotent
    acquireInstanceLock(journal).release();
  });

  it('takes over the lock of a process that is gone', () => {
    // A real process that has exited: its pid is free (or reused with another start time).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(gone.stdout);
    expect(pid).toBeGreaterThan(0);
    acquireInstanceLock(journal).release(); // creates the directory
    writeFileSync(
      lockFileFor(journal),
      JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', startTicks: '1' }),
    );
    const b = acquireInstanceLock(journal);
    expect(JSON.parse(readFileSync(b.file, 'utf8')).pid).toBe(process.pid);
    b.release();
  });

  it('refuses a holder on another host and a file that names no holder', () => {
    acquireInstanceLock(journal).release();
    writeFileSync(
      lockFileFor(journal),
      JSON.stringify({ pid: 4242, host: 'elsewhere', since: '2026-01-01T00:00:00.000Z' }),
    );
    expect(() => acquireInstanceLock(journal)).toThrow(
      /pid 4242 on elsewhere holds .*; remove the file if that process is gone/,
    );
    writeFileSync(lockFileFor(journal), '{"pi');
    expect(() => acquireInstanceLock(journal)).toThrow(/exists but names no holder/);
  });

  it('does not release a lock that another process took over', () => {
    const a = acquireInstanceLock(journal);
    writeFileSync(a.file, JSON.stringify({ pid: 1, host: hostname(), since: 'x' }));
    a.release();
    expect(existsSync(a.file)).toBe(true);
  });
});
