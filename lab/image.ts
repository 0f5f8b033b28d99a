// The lab guest image: a Debian kernel and an initramfs (busybox-static + the virtio
// modules + ./guest-init.ts's /init), built from Debian packages that are downloaded with
// `apt-get download` and unpacked with `dpkg-deb` — nothing is installed into the system.
// Cached under the cache dir in a folder named by the package versions and the init
// script's hash, so a second build is a lookup; building twice at once is safe (each build
// works in a temp dir and renames its result into place).
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { guestInitScript } from './guest-init';
import { GUEST_MODULES, MODULE_GLOBS, loadOrder, moduleDepends } from './kernel-modules';
import { run } from './exec';

/** Default cache of the lab (guest images). */
export const DEFAULT_CACHE_DIR = '/var/cache/vmpilot/lab';

export interface GuestImage {
  dir: string;
  kernel: string;
  initrd: string;
  /** The /init packed into the initrd (kept beside it for reading). */
  init: string;
  /** Versioned kernel package, e.g. linux-image-6.1.0-57-amd64 6.1.192-3. */
  kernelPackage: string;
  /** Modules /init loads, in order. */
  modules: string[];
  /** False when the image came from the cache. */
  built: boolean;
}

const APT = ['-o', 'APT::Sandbox::User=root'];
const MINUTE = 60_000;

interface Packages {
  kernel: { name: string; version: string };
  busybox: { name: string; version: string };
}

/** Reads a field of `apt-cache show` output (the first stanza). */
function field(stanza: string, name: string): string {
  const m = new RegExp(`^${name}: (.*)$`, 'm').exec(stanza);
  if (!m) throw new Error(`apt-cache show: no ${name} field`);
  return m[1].trim();
}

/** The versioned kernel package named in linux-image-amd64's Depends, and busybox-static. */
async function resolvePackages(): Promise<Packages> {
  const show = (pkg: string) =>
    run('apt-cache', ['show', '--no-all-versions', pkg], { timeoutMs: MINUTE }).catch((e: unknown) => {
      throw new Error(`Debian package ${pkg} not known to apt (run apt-get update)`, { cause: e });
    });
  const meta = await show('linux-image-amd64');
  const dep = /linux-image-(6\.[^\s,(]*-amd64)(?:\s*\(=\s*([^)\s]+)\))?/.exec(field(meta, 'Depends'));
  if (!dep)
    throw new Error(`linux-image-amd64 depends on no linux-image-6.*-amd64: ${field(meta, 'Depends')}`);
  const kname = `linux-image-${dep[1]}`;
  const kversion = dep[2] ?? field(await show(kname), 'Version');
  const bb = await show('busybox-static');
  return {
    kernel: { name: kname, version: kversion },
    busybox: { name: 'busybox-static', version: field(bb, 'Version') },
  };
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9.+_-]/g, '_');

function imageOf(dir: string, pkgs: Packages, built: boolean): GuestImage {
  return {
    dir,
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.gz'),
    init: path.join(dir, 'init'),
    kernelPackage: `${pkgs.kernel.name} ${pkgs.kernel.version}`,
    modules: readFileSync(path.join(dir, 'modules'), 'utf8').split('\n').filter(Boolean),
    built,
  };
}

async function download(dir: string, pkg: { name: string; version: string }): Promise<string> {
  await run('apt-get', [...APT, 'download', `${pkg.name}=${pkg.version}`], {
    timeoutMs: 10 * MINUTE,
    cwd: dir,
  });
  const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg.name} left no .deb in ${dir}`);
  return path.join(dir, deb);
}

/** Extracts vmlinuz and the virtio modules from the kernel .deb (not its 400 MB tree). */
async function extractKernel(deb: string, into: string): Promise<{ vmlinuz: string; modDir: string }> {
  const script = 'deb=$1 dir=$2; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards "$@"';
  await run('sh', ['-c', script, 'sh', deb, into, './boot/vmlinuz-*', ...MODULE_GLOBS], {
    timeoutMs: 5 * MINUTE,
  });
  const boot = path.join(into, 'boot');
  const vmlinuz = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  const versions = readdirSync(path.join(into, 'lib', 'modules'));
  if (!vmlinuz || versions.length !== 1) throw new Error(`kernel package ${deb} has no vmlinuz or modules`);
  return { vmlinuz: path.join(boot, vmlinuz), modDir: path.join(into, 'lib', 'modules', versions[0]) };
}

/** Every .ko under `dir`, by module name. */
function modulesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.ko'))
      out.set(e.name.slice(0, -3).replace(/-/g, '_'), path.join(e.parentPath, e.name));
  }
  return out;
}

/** Builds (or finds in the cache) the lab guest image. */
export async function ensureGuestImage(cacheDir: string = DEFAULT_CACHE_DIR): Promise<GuestImage> {
  const pkgs = await resolvePackages();
  const initHash = createHash('sha256').update(guestInitScript(GUEST_MODULES)).digest('hex').slice(0, 12);
  const key = safe(
    `${pkgs.kernel.name}_${pkgs.kernel.version}+busybox_${pkgs.busybox.version}+init_${initHash}`,
  );
  const dir = path.join(cacheDir, 'images', key);
  if (existsSync(path.join(dir, 'initrd.gz'))) return imageOf(dir, pkgs, false);

  mkdirSync(path.join(cacheDir, 'images'), { recursive: true });
  const work = mkdtempSync(path.join(cacheDir, '.build-'));
  try {
    const debs = path.join(work, 'debs');
    const tree = path.join(work, 'tree');
    const root = path.join(work, 'root');
    const out = path.join(work, 'out');
    for (const d of [debs, tree, root, out]) mkdirSync(d);
    const [kdeb, bdeb] = [await download(debs, pkgs.kernel), await download(debs, pkgs.busybox)];
    const { vmlinuz, modDir } = await extractKernel(kdeb, tree);
    await run('dpkg-deb', ['-x', bdeb, path.join(work, 'bb')], { timeoutMs: MINUTE });

    const available = modulesUnder(modDir);
    const order = loadOrder(GUEST_MODULES, (name) => {
      const file = available.get(name);
      if (!file) throw new Error(`kernel module ${name} not found in ${pkgs.kernel.name}`);
      return moduleDepends(readFileSync(file));
    });

    for (const d of ['bin', 'dev', 'proc', 'sys', 'run', 'lib/modules'])
      mkdirSync(path.join(root, d), { recursive: true });
    renameSync(path.join(work, 'bb', 'bin', 'busybox'), path.join(root, 'bin', 'busybox'));
    for (const m of order)
      renameSync(available.get(m) as string, path.join(root, 'lib', 'modules', `${m}.ko`));
    const init = guestInitScript(order);
    writeFileSync(path.join(root, 'init'), init, { mode: 0o755 });
    await run('mknod', ['-m', '600', path.join(root, 'dev', 'console'), 'c', '5', '1'], {
      timeoutMs: MINUTE,
    });
    // The host has no cpio: busybox's own packs the newc archive the kernel unpacks.
    await run(
      'sh',
      [
        '-c',
        'cd "$1" && find . | "$2" cpio -o -H newc 2>/dev/null | gzip -9 > "$3"',
        'sh',
        root,
        path.join(root, 'bin', 'busybox'),
        path.join(out, 'initrd.gz'),
      ],
      { timeoutMs: 5 * MINUTE },
    );
    renameSync(vmlinuz, path.join(out, 'vmlinuz'));
    writeFileSync(path.join(out, 'init'), init);
    writeFileSync(path.join(out, 'modules'), `${order.join('\n')}\n`);
    try {
      renameSync(out, dir);
    } catch (e) {
      // another build finished first: its image is as good as ours
      if (!existsSync(path.join(dir, 'initrd.gz'))) throw e;
    }
    return imageOf(dir, pkgs, true);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
