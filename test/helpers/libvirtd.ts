// Makes sure a local libvirtd (qemu:///system) is running for the real-libvirt suites.
//
// There is no systemd here: as ENVIRONMENT.md explains, virtlogd (QEMU domains do not
// start without it) and libvirtd are started by hand as daemons (-d), after creating the
// `libvirt-qemu` user/group libvirt runs QEMU as and /var/log/libvirt. Idempotent: a
// running libvirtd (started by an earlier suite or another helper) is reused. The daemons
// are left running on purpose — like system services they are shared by every suite that
// needs them, and stopping them under a concurrent suite would break it; the domains a
// suite creates are its own to remove.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';

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
    return `not installed: ${missing.join(', ')} (apt-get install libvirt-daemon-driver-qemu qemu-system-x86)`;
  if (process.getuid?.() !== 0) return 'qemu:///system needs root to start libvirtd';
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

async function ensureAccount(): Promise<void> {
  for (const group of ['libvirt-qemu', 'kvm']) {
    try {
      await run('getent', ['group', group]);
    } catch {
      await run('groupadd', ['--system', group]);
    }
  }
  try {
    await run('getent', ['passwd', 'libvirt-qemu']);
  } catch {
    await run('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      '--gid',
      'libvirt-qemu',
      '--groups',
      'kvm',
      'libvirt-qemu',
    ]);
  }
}

/** Starts virtlogd and libvirtd if needed and waits until qemu:///system answers (≤ 30 s). */
export async function ensureLibvirtd(): Promise<void> {
  const missing = missingLibvirtd();
  if (missing) throw new Error(missing);
  if (await answers()) return;
  await ensureAccount();
  mkdirSync('/var/log/libvirt/qemu', { recursive: true });
  if (!(await running('virtlogd'))) await run('virtlogd', ['-d']);
  if (!(await running('libvirtd'))) await run('libvirtd', ['-d']);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await answers()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('libvirtd was started but qemu:///system did not answer within 30 s');
}

/** Runs virsh on qemu:///system (test set-up and clean-up, independent of the adapter under test). */
export async function virsh(...args: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['-c', QEMU_SYSTEM, ...args], { timeout: 60_000 });
  return stdout;
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
