// One lab host: a `libvirtd --listen` inside the host's network namespace (nsenter), in a
// private mount and UTS namespace (unshare -m -u) where its config/run/state/log dirs, a
// private /etc/hosts and, when the machine has one, an empty mode-000 file over /dev/kvm
// (else libvirt re-probes QEMU ~4 s per call) are bind-mounted. Started detached (its own
// session) so it outlives `vmpilot lab up`; stopped by killing every process of its
// namespace (lab.ts). Its unix socket sits in the host's dir, reachable from outside.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { etcHosts, idOffsetStatusXml, libvirtdConf, qemuConf } from './host-config';
import { LIBVIRT_PRIVATE_DIRS } from './private-libvirtd';
import { netnsPath, type LabHostSpec } from './topology';
import { virshAnswers } from './virsh';

export interface HostDirs {
  /** The host's own dir (state, removed by `lab down`). */
  dir: string;
  /** libvirt's QEMU capabilities cache, kept between labs (under the lab cache). */
  capsCache: string;
}

export const hostSocketUri = (dir: string) =>
  `qemu+unix:///system?socket=${path.join(dir, 'run', 'libvirt-sock')}`;

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts the host's libvirtd and waits until it answers; resolves to its PID. */
export async function startHost(
  h: LabHostSpec,
  all: readonly LabHostSpec[],
  dirs: HostDirs,
  hostUuid: string,
): Promise<number> {
  const { dir } = dirs;
  for (const [sub] of LIBVIRT_PRIVATE_DIRS) mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o755 });
  mkdirSync(dirs.capsCache, { recursive: true });
  writeFileSync(path.join(dir, 'etc', 'libvirtd.conf'), libvirtdConf(h, hostUuid));
  writeFileSync(path.join(dir, 'etc', 'qemu.conf'), qemuConf(h));
  writeFileSync(path.join(dir, 'hosts'), etcHosts(all));
  writeFileSync(path.join(dir, 'no-kvm'), '', { mode: 0o000 });
  if (h.firstDomainId > 1) {
    mkdirSync(path.join(dir, 'run', 'qemu'), { recursive: true });
    writeFileSync(path.join(dir, 'run', 'qemu', 'lab-id-offset.xml'), idOffsetStatusXml(h));
  }
  const mounts = LIBVIRT_PRIVATE_DIRS.map(([sub, target]) => {
    const source = sub === 'cache' ? dirs.capsCache : path.join(dir, sub);
    return `mount --bind ${sh(source)} ${target}`;
  });
  const script = [
    `hostname ${h.name}`,
    ...LIBVIRT_PRIVATE_DIRS.map(([, target]) => `mkdir -p ${target}`),
    ...mounts,
    `mount --bind ${sh(path.join(dir, 'hosts'))} /etc/hosts`,
    `{ [ ! -e /dev/kvm ] || mount --bind ${sh(path.join(dir, 'no-kvm'))} /dev/kvm; }`,
    `exec libvirtd --listen --pid-file ${sh(path.join(dir, 'libvirtd.pid'))} --config ${sh(path.join(dir, 'etc', 'libvirtd.conf'))}`,
  ].join(' && ');
  const log = openSync(path.join(dir, 'libvirtd.log'), 'a');
  const child = spawn(
    'nsenter',
    [`--net=${netnsPath(h.name)}`, 'unshare', '-m', '-u', '--propagation', 'private', 'sh', '-c', script],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exit: number | null = null;
  child.once('exit', (code) => {
    exit = code ?? -1;
  });
  child.unref();
  const uri = hostSocketUri(dir);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exit !== null) throw new Error(`libvirtd of ${h.name} exited (${exit}); see ${dir}/libvirtd.log`);
    if (await virshAnswers(uri)) {
      if (child.pid === undefined) throw new Error(`libvirtd of ${h.name} has no PID`);
      return child.pid;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`libvirtd of ${h.name} did not answer within 60 s; see ${dir}/libvirtd.log`);
}
