// What any private libvirtd on this machine needs, shared by the lab's hosts and the
// test suites' second libvirtd (test/helpers/libvirtd.ts): the directories it must not
// share with the system libvirtd (bind-mounted over in a private mount namespace), and
// the account QEMU runs as (no Debian maintainer scripts ran for it here).
import { run, succeeds } from './exec';

/** Subdirectory of a private daemon's own dir → the system path it is mounted over. */
export const LIBVIRT_PRIVATE_DIRS: readonly (readonly [string, string])[] = [
  ['run', '/run/libvirt'],
  ['lib', '/var/lib/libvirt'],
  ['cache', '/var/cache/libvirt'],
  ['log', '/var/log/libvirt'],
  ['etc', '/etc/libvirt'],
];

const T = { timeoutMs: 30_000 };

/** Creates the libvirt-qemu user and the libvirt-qemu/kvm groups when missing. */
export async function ensureQemuAccount(): Promise<void> {
  for (const group of ['libvirt-qemu', 'kvm']) {
    if (!(await succeeds('getent', ['group', group], T))) await run('groupadd', ['--system', group], T);
  }
  if (!(await succeeds('getent', ['passwd', 'libvirt-qemu'], T))) {
    await run(
      'useradd',
      [
        '--system',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        '--gid',
        'libvirt-qemu',
        '--groups',
        'kvm',
        'libvirt-qemu',
      ],
      T,
    );
  }
}
