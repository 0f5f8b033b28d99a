// `vmpilot lab up|down|status`: two libvirt hosts in network namespaces on this machine and
// N tiny Linux guests with chosen workloads. `up` is idempotent (a running lab gets the
// guests it lacks), `down` removes everything but the cache (guests, daemons, namespaces
// and their veths, leftover cgroups, the state dir) and is idempotent too.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { GuestSpec } from './domain-xml';
import { listDomains, startGuest } from './guests';
import { hostSocketUri, startHost } from './host';
import { DEFAULT_CACHE_DIR, ensureGuestImage } from './image';
import { createNetwork, deleteNetwork, pidsInNamespace } from './network';
import { missingPrerequisite } from './prereqs';
import { ensureQemuAccount } from './private-libvirtd';
import { markStateDir, readState, stateFile, writeState, type LabGuestState, type LabState } from './state';
import { DEFAULT_STATE_DIR, LAB_HOSTS, guestName, netnsPath, tcpUri } from './topology';
import { virsh, virshAnswers } from './virsh';
import { DEFAULT_WORKLOAD, type Workload } from './workload';

export interface LabDirs {
  stateDir?: string;
  cacheDir?: string;
}

export interface UpOptions extends LabDirs {
  guests: number;
  /** Workloads, given to the guests in turn. */
  workloads?: Workload[];
  vcpus?: number;
  maxVcpus?: number;
  memoryMiB?: number;
  /** `spread`: guests alternate between the hosts; a host name: all on that host. */
  placement?: string;
  log?: (line: string) => void;
}

export interface LabStatus {
  up: boolean;
  stateDir: string;
  hosts: { name: string; uri: string; tcpUri: string; answers: boolean }[];
  vms: { name: string; host: string; state: string }[];
}

const dirsOf = (o: LabDirs) => ({
  stateDir: path.resolve(o.stateDir ?? DEFAULT_STATE_DIR),
  cacheDir: path.resolve(o.cacheDir ?? DEFAULT_CACHE_DIR),
});

function requirePrerequisites(): void {
  const missing = missingPrerequisite();
  if (missing) throw new Error(missing);
}

async function hostsAnswer(s: LabState): Promise<boolean> {
  for (const h of s.hosts) if (!(await virshAnswers(h.uri))) return false;
  return s.hosts.length === LAB_HOSTS.length;
}

/** Starts the lab (or completes a running one) and resolves to its state. */
export async function labUp(o: UpOptions): Promise<LabState> {
  requirePrerequisites();
  const log = o.log ?? (() => undefined);
  const { stateDir, cacheDir } = dirsOf(o);
  if (o.placement && o.placement !== 'spread' && !LAB_HOSTS.some((h) => h.name === o.placement))
    throw new Error(
      `unknown placement "${o.placement}" (spread, ${LAB_HOSTS.map((h) => h.name).join(', ')})`,
    );
  let state = existsSync(stateFile(stateDir)) ? readState(stateDir) : null;
  if (state && !(await hostsAnswer(state))) {
    log('lab: a previous lab is half up; taking it down first');
    await labDown(o);
    state = null;
  }
  const taken = LAB_HOSTS.find((h) => existsSync(netnsPath(h.name)));
  if (!state && taken)
    throw new Error(
      `another lab holds namespace ${taken.name} (one lab per machine): run vmpilot lab down with its --state-dir first`,
    );
  if (!state) state = await startHosts(stateDir, cacheDir, log);
  try {
    await addGuests(state, o, log);
  } finally {
    writeState(state);
  }
  return state;
}

async function startHosts(stateDir: string, cacheDir: string, log: (l: string) => void): Promise<LabState> {
  const image = await ensureGuestImage(cacheDir);
  log(`lab: guest image ${image.built ? 'built' : 'cached'} in ${image.dir}`);
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  markStateDir(stateDir);
  const sharedDir = path.join(stateDir, 'shared');
  mkdirSync(sharedDir, { recursive: true, mode: 0o755 });
  const state: LabState = {
    stateDir,
    cacheDir,
    image: { kernel: image.kernel, initrd: image.initrd, kernelPackage: image.kernelPackage },
    sharedDir,
    hosts: [],
    guests: [],
    startedAt: new Date().toISOString(),
  };
  try {
    await ensureQemuAccount();
    await createNetwork(LAB_HOSTS);
    for (const h of LAB_HOSTS) {
      const dir = path.join(stateDir, 'hosts', h.name);
      const hostUuid = randomUUID();
      await startHost(
        h,
        LAB_HOSTS,
        { dir, capsCache: path.join(cacheDir, 'libvirt-cache', h.name) },
        hostUuid,
      );
      state.hosts.push({
        name: h.name,
        uri: hostSocketUri(dir),
        tcpUri: tcpUri(h),
        address: h.address,
        hostUuid,
        dir,
      });
      log(`lab: host ${h.name} up (${h.address})`);
    }
    writeState(state);
    return state;
  } catch (e) {
    await labDown({ stateDir, cacheDir }).catch(() => undefined);
    throw e;
  }
}

async function addGuests(state: LabState, o: UpOptions, log: (l: string) => void): Promise<void> {
  const workloads = o.workloads?.length ? o.workloads : [DEFAULT_WORKLOAD];
  const image = await ensureGuestImage(state.cacheDir);
  const running = new Set<string>();
  for (const h of state.hosts) for (const d of await listDomains(h.uri)) running.add(d.name);
  for (let i = 1; i <= o.guests; i++) {
    const name = guestName(i);
    if (running.has(name)) continue;
    const host =
      !o.placement || o.placement === 'spread'
        ? state.hosts[(i - 1) % state.hosts.length]
        : (state.hosts.find((h) => h.name === o.placement) ?? state.hosts[0]);
    const vcpus = o.vcpus ?? 1;
    const spec: GuestSpec & LabGuestState = {
      name,
      startedOn: host.name,
      vcpus,
      maxVcpus: Math.max(o.maxVcpus ?? vcpus + 1, vcpus),
      memoryMiB: o.memoryMiB ?? 256,
      workload: workloads[(i - 1) % workloads.length],
      serialLog: path.join(state.sharedDir, `${name}.serial.log`),
      channelLog: path.join(state.sharedDir, `${name}.channel.log`),
    };
    await startGuest(host.uri, spec, image, host.dir);
    state.guests = [...state.guests.filter((g) => g.name !== name), spec];
    log(`lab: guest ${name} started on ${host.name}`);
  }
}

/** The lab as its hosts see it now. */
export async function labStatus(o: LabDirs = {}): Promise<LabStatus> {
  const { stateDir } = dirsOf(o);
  const state = readState(stateDir);
  if (!state) return { up: false, stateDir, hosts: [], vms: [] };
  const out: LabStatus = { up: true, stateDir, hosts: [], vms: [] };
  for (const h of state.hosts) {
    const answers = await virshAnswers(h.uri);
    out.hosts.push({ name: h.name, uri: h.uri, tcpUri: h.tcpUri, answers });
    if (!answers) {
      out.up = false;
      continue;
    }
    for (const d of await listDomains(h.uri)) out.vms.push({ name: d.name, host: h.name, state: d.state });
  }
  out.vms.sort(
    (a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.host.localeCompare(b.host),
  );
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(alive);
  }
  return left;
}

/** Empty cgroups libvirt left for lab guests (a daemon killed before its domains). */
function removeGuestCgroups(): void {
  const root = '/sys/fs/cgroup';
  const candidates = [path.join(root, 'machine')];
  if (existsSync(root)) for (const c of readdirSync(root)) candidates.push(path.join(root, c, 'machine'));
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir)) {
      if (/-lab-vm-\d+/.test(e)) removeEmptyCgroup(path.join(dir, e));
    }
  }
}

/**
 * Removes a cgroup and its child cgroups (libvirt makes `emulator` and `vcpuN` under each
 * guest's), deepest first. A cgroup's control files go with its directory; one that still
 * has tasks refuses the rmdir and is left alone: not ours to force.
 */
function removeEmptyCgroup(dir: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // already gone
  }
  for (const e of entries) if (e.isDirectory()) removeEmptyCgroup(path.join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still has tasks, or gone meanwhile
  }
}

/** Stops the lab's guests and hosts and removes what `up` created outside the cache. */
export async function labDown(o: LabDirs = {}): Promise<void> {
  requirePrerequisites();
  const { stateDir } = dirsOf(o);
  const state = existsSync(stateFile(stateDir)) ? readState(stateDir) : null;
  // Guests first, through their daemon, so libvirt removes their cgroups itself.
  for (const h of state?.hosts ?? []) {
    if (!(await virshAnswers(h.uri))) continue;
    for (const d of await listDomains(h.uri).catch(() => [])) {
      if (d.state !== 'shutoff') await virsh(h.uri, 'destroy', d.name).catch(() => undefined);
    }
  }
  // Then every process of the namespaces: libvirtd and any QEMU it lost track of.
  const pids = (await Promise.all(LAB_HOSTS.map((h) => pidsInNamespace(h.name)))).flat();
  signal(pids, 'SIGTERM');
  const stillRunning = await waitGone(pids, 15_000);
  signal(stillRunning, 'SIGKILL');
  const left = await waitGone(stillRunning, 5000);
  if (left.length > 0) throw new Error(`lab down: processes ${left.join(', ')} survived SIGKILL`);
  await deleteNetwork(LAB_HOSTS);
  removeGuestCgroups();
  if (existsSync(stateFile(stateDir))) rmSync(stateDir, { recursive: true, force: true });
}
