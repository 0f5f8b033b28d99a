// Makes sure a local libvirtd (qemu:///system) is running for the real-libvirt suites.
//
// There is no systemd on the CI machine: virtlogd (QEMU domains do not
// start without it) and libvirtd are started by hand as daemons (-d), after creating the
// `libvirt-qemu` user/group libvirt runs QEMU as and /var/log/libvirt. Idempotent: a
// running libvirtd (started by an earlier suite or another helper) is reused. The daemons
// are left running on purpose — like system services they are shared by every suite that
// needs them, and stopping them under a concurrent suite would break it; the domains a
// suite creates are its own to remove.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { retry } from '../../bench/lib/pool';
import { GiveUp, pollUntil } from './poll';
import { missingToolError } from './require-tool';
import { ensureQemuAccount, LIBVIRT_PRIVATE_DIRS } from '../../lab/private-libvirtd';

const run = promisify(execFile);

export const QEMU_SYSTEM = 'qemu:///system';
const BINARIES = [
  '/usr/sbin/libvirtd',
  '/usr/sbin/virtlogd',
  '/usr/bin/qemu-system-x86_64',
  '/usr/bin/virsh',
];

export type LibvirtdStatus = { ok: true } | { ok: false; reason: string };

/** Why qemu:///system cannot be used on this machine, or null when the binaries are there. */
export function missingLibvirtd(): string | null {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length > 0)
    return missingToolError(missing.join(', '), 'Debian packages libvirt-daemon-driver-qemu qemu-system-x86')
      .message;
  if (process.getuid?.() !== 0) return 'qemu:///system needs root to start libvirtd: run the tests as root';
  return null;
}

async function answers(): Promise<boolean> {
  try {
    await run('virsh', ['-c', QEMU_SYSTEM, 'uri'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function running(name: string): Promise<boolean> {
  try {
    await run('pgrep', ['-x', name]);
    return true;
  } catch {
    return false;
  }
}

/** Starts virtlogd and libvirtd if needed and waits until qemu:///system answers (≤ 30 s). */
export async function ensureLibvirtd(): Promise<void> {
  const missing = missingLibvirtd();
  if (missing) throw new Error(missing);
  if (await answers()) return;
  await ensureQemuAccount();
  mkdirSync('/var/log/libvirt/qemu', { recursive: true });
  if (!(await running('virtlogd'))) await run('virtlogd', ['-d']);
  if (!(await running('libvirtd'))) await run('libvirtd', ['-d']);
  await pollUntil(answers, {
    what: 'the started libvirtd to answer on qemu:///system',
    timeoutMs: 30_000,
    intervalMs: 250,
  });
}

/** Runs virsh on qemu:///system (test set-up and clean-up, independent of the adapter under test). */
export async function virsh(...args: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['-c', QEMU_SYSTEM, ...args], { timeout: 60_000 });
  return stdout;
}

/**
 * Starts the defined domain `name` on `uri` (default qemu:///system), retrying a failed
 * start (a loaded machine sometimes loses one to a QEMU or cgroup hiccup) after destroying
 * whatever it left; rejects with the last error after three attempts.
 */
export function startDefinedDomain(name: string, uri: string = QEMU_SYSTEM): Promise<string> {
  return retry(
    `virsh start ${name}`,
    3,
    () => virsh('-c', uri, 'start', name),
    () => virsh('-c', uri, 'destroy', name).then(() => undefined),
  );
}

/** XML of a diskless TCG domain: no OS, so it idles in firmware, but it has real CPU and balloon stats. */
export function disklessDomainXml(
  name: string,
  opts: { vcpus?: number; maxVcpus?: number; memoryMiB?: number } = {},
): string {
  const vcpus = opts.vcpus ?? 1;
  const maxVcpus = opts.maxVcpus ?? 2;
  const mem = opts.memoryMiB ?? 64;
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>${mem}</memory>
  <currentMemory unit='MiB'>${mem}</currentMemory>
  <vcpu placement='static' current='${vcpus}'>${maxVcpus}</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='ethernet'><model type='virtio'/></interface>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>
`;
}

export interface PrivateLibvirtdOptions {
  /**
   * Hostname inside its UTS namespace. libvirt builds the incoming-migration address
   * from it, so for a migration between two libvirtds of one machine it must be an
   * address of this machine that is not loopback (see `localMigrationAddress`).
   */
  hostname?: string;
  /** More libvirtd.conf lines (e.g. socket group and permissions for a non-root client). */
  extraConfig?: string[];
}

/** A non-loopback IPv4 address of this machine, for migrations between two local libvirtds. */
export function localMigrationAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** A libvirtd of the test's own, that the test may stop and restart at will. */
export interface PrivateLibvirtd {
  /** qemu+unix URI of its socket. */
  uri: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes its directories. */
  dispose(): Promise<void>;
}

/**
 * Starts a second libvirtd in a private mount namespace (`unshare -m`) with its own
 * /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt
 * bind-mounted from a temp dir, so it shares nothing with the system libvirtd; its socket
 * is reachable from outside through that temp dir. Runs in the foreground in its own
 * process group, which `stop` kills.
 */
export async function startPrivateLibvirtd(opts: PrivateLibvirtdOptions = {}): Promise<PrivateLibvirtd> {
  const missing = missingLibvirtd();
  if (missing) throw new Error(missing);
  await ensureQemuAccount();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-libvirtd-'));
  const sub = ['run', 'lib', 'cache', 'log', 'etc'];
  for (const s of sub) mkdirSync(path.join(dir, s));
  // A host UUID of its own: libvirt refuses to migrate a domain to "the same host".
  writeFileSync(
    path.join(dir, 'etc', 'libvirtd.conf'),
    [`host_uuid = "${randomUUID()}"`, ...(opts.extraConfig ?? [])].join('\n') + '\n',
  );
  // QEMU's output to a file, so this instance needs no virtlogd of its own.
  writeFileSync(path.join(dir, 'etc', 'qemu.conf'), 'stdio_handler = "file"\n');
  const mounts = LIBVIRT_PRIVATE_DIRS;
  for (const [, target] of mounts) mkdirSync(target, { recursive: true });
  const script = [
    ...(opts.hostname ? [`hostname ${opts.hostname}`] : []),
    ...mounts.map(([s, target]) => `mount --bind ${path.join(dir, s)} ${target}`),
    `exec libvirtd --pid-file ${path.join(dir, 'libvirtd.pid')} --config ${path.join(dir, 'etc', 'libvirtd.conf')}`,
  ].join(' && ');
  const uri = `qemu+unix:///system?socket=${path.join(dir, 'run', 'libvirt-sock')}`;
  let child: ChildProcess | undefined;

  const answersAt = async () => {
    try {
      await run('virsh', ['-c', uri, 'uri'], { timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    const log = openSync(path.join(dir, 'libvirtd.log'), 'a');
    const namespaces = opts.hostname ? ['-m', '-u'] : ['-m'];
    child = spawn('unshare', [...namespaces, '--propagation', 'private', 'sh', '-c', script], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const started = child;
    await pollUntil(
      async () => {
        if (started.exitCode !== null) throw new GiveUp(`it exited with ${started.exitCode}`);
        return answersAt();
      },
      { what: 'the private libvirtd to answer', timeoutMs: 30_000, intervalMs: 200 },
    );
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c?.pid || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(-c.pid, 'SIGTERM');
    const timer = setTimeout(() => c.pid && process.kill(-c.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await start();
  } catch (e) {
    // Nothing left behind: the log goes into the error, then the directory goes.
    let log = '';
    try {
      log = readFileSync(path.join(dir, 'libvirtd.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
    } catch {
      // no log written
    }
    await stop();
    remove();
    throw new Error(`${(e as Error).message}${log ? `; libvirtd.log: ${log}` : ''}`, { cause: e });
  }
  return {
    uri,
    start,
    stop,
    dispose: async () => {
      await stop();
      remove();
    },
  };
}
