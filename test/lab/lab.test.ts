// `vmpilot lab up|status|down` end to end with the built CLI (bin/vmpilot.js → dist/):
// two libvirt hosts in network namespaces, two TCG guests whose own progress counters
// move, and after `down` nothing of the lab left (namespaces, veths, daemons, QEMUs,
// state dir). Then a live migration of a busy guest from lab-a to lab-b through vmpilot's
// own HypervisorPort (connectHypervisors + port.migrate: peer to peer, QEMU's stream over
// the veth between the namespaces): the guest's own counter keeps increasing across the
// move and never goes back. One file on purpose: the lab's namespaces are machine-wide, so
// its suites must run one after the other. Needs root, libvirt and QEMU (scripts/setup.sh):
// fails, never skips, without them. ~1-3 min on 2 cores, most of it TCG boots.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { run } from '../../lab/exec';
import { readProgress } from '../../lab/guests';
import { labDown, labUp } from '../../lab/lab';
import { missingPrerequisite } from '../../lab/prereqs';
import type { LabState } from '../../lab/state';
import { LAB_HOSTS } from '../../lab/topology';
import { parseWorkload } from '../../lab/workload';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/vmpilot.js');
const STATE_DIR = path.join(os.tmpdir(), `vmpilot-lab-test-${process.pid}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vmpilot(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await vmpilot(...args);
  if (r.code !== 0) throw new Error(`vmpilot ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

interface StatusJson {
  hosts: { name: string; uri: string }[];
  vms: { name: string; host: string; state: string }[];
}

/** Processes of this lab: its libvirtds (their paths name the state dir) and its guests' QEMUs. */
async function labProcesses(): Promise<string[]> {
  const ps = await run('ps', ['-eo', 'pid=,args='], { timeoutMs: 10_000 });
  return ps
    .split('\n')
    .filter(
      (l) =>
        (l.includes('libvirtd') && l.includes(STATE_DIR)) || /qemu-system\S* -name guest=lab-vm-/.test(l),
    );
}

/** cgroups libvirt made for lab guests (the hosts share this machine's cgroup tree). */
function labCgroups(): string[] {
  const root = '/sys/fs/cgroup';
  const dirs = [path.join(root, 'machine'), ...readdirSync(root).map((c) => path.join(root, c, 'machine'))];
  return dirs
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((e) => e.includes('-lab-vm-')));
}

describe('vmpilot lab', () => {
  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`${missing} — run scripts/setup.sh as root`);
    if (!existsSync(CLI) || !existsSync(path.join(ROOT, 'dist/autoscaler/cli/commands/lab.js')))
      throw new Error('the CLI is not built: run scripts/setup.sh (npm run build)');
    // a lab left by an earlier run would be reused, not tested
    await ok('lab', 'down', '--state-dir', STATE_DIR);
  });
  afterAll(async () => {
    await vmpilot('lab', 'down', '--state-dir', STATE_DIR);
  });

  it('refuses a bad workload with one line', async () => {
    const r = await vmpilot('lab', 'up', '--workload', 'cpu=x', '--state-dir', STATE_DIR);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('invalid workload "cpu=x"')]);
  });

  it('up starts two hosts and the guests; status --json shows them; the guests make progress', async () => {
    await ok('lab', 'up', '--guests', '2', '--workload', 'cpu=1,mem=32', '--state-dir', STATE_DIR);
    // up again: the running lab is kept (same hosts, no second copy of a guest)
    await ok('lab', 'up', '--guests', '2', '--workload', 'cpu=1,mem=32', '--state-dir', STATE_DIR);

    const status = JSON.parse(await ok('lab', 'status', '--json', '--state-dir', STATE_DIR)) as StatusJson;
    expect(status.hosts.map((h) => h.name)).toEqual(['lab-a', 'lab-b']);
    for (const h of status.hosts) expect(h.uri).toMatch(/^qemu\+unix:\/\/\/system\?socket=/);
    expect(status.vms).toEqual([
      { name: 'lab-vm-1', host: 'lab-a', state: 'running' },
      { name: 'lab-vm-2', host: 'lab-b', state: 'running' },
    ]);

    const state = JSON.parse(readFileSync(path.join(STATE_DIR, 'lab.json'), 'utf8')) as LabState;
    for (const g of state.guests) {
      // two progress lines with the counter moving: the guest booted and its workload runs
      const lines = await pollUntil(
        () => {
          const p = readProgress(g.serialLog);
          return p.length >= 2 && p[p.length - 1].cpuIterations > p[0].cpuIterations ? p : null;
        },
        { what: `${g.name}'s progress counter to move`, timeoutMs: 180_000, intervalMs: 1000 },
      );
      const last = lines[lines.length - 1];
      expect(last.onlineCpus).toBe(1);
      expect(last.memTotalKiB).toBeGreaterThan(150 * 1024);
      expect(last.memTotalKiB).toBeLessThanOrEqual(256 * 1024);
    }
    expect(await labProcesses()).not.toEqual([]);
  });

  it('down leaves no namespace, veth, daemon, QEMU or state dir; a second down is fine', async () => {
    await ok('lab', 'down', '--state-dir', STATE_DIR);
    await ok('lab', 'down', '--state-dir', STATE_DIR);
    const namespaces = await run('ip', ['netns', 'list'], { timeoutMs: 10_000 });
    for (const h of LAB_HOSTS) {
      expect(namespaces).not.toMatch(new RegExp(`^${h.name}\\b`, 'm'));
      expect(existsSync(`/run/netns/${h.name}`)).toBe(false);
    }
    const links = await run('ip', ['-o', 'link', 'show'], { timeoutMs: 10_000 });
    for (const h of LAB_HOSTS) expect(links).not.toContain(h.veth);
    expect(await labProcesses()).toEqual([]);
    expect(labCgroups()).toEqual([]);
    expect(existsSync(STATE_DIR)).toBe(false);
    const status = JSON.parse(await ok('lab', 'status', '--json', '--state-dir', STATE_DIR)) as StatusJson;
    expect(status).toMatchObject({ hosts: [], vms: [] });
  });
});

const MIGRATE_STATE_DIR = path.join(os.tmpdir(), `vmpilot-lab-migrate-${process.pid}`);

describe('live migration of a busy lab guest through the HypervisorPort', () => {
  let state: LabState;
  let port: HypervisorPort | undefined;

  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`${missing} — run scripts/setup.sh as root`);
    await labDown({ stateDir: MIGRATE_STATE_DIR });
    state = await labUp({
      guests: 1,
      placement: 'lab-a',
      workloads: [parseWorkload('cpu=1,mem=64,dirty=4')],
      stateDir: MIGRATE_STATE_DIR,
    });
    port = await connectHypervisors(
      state.hosts.map((h) => `${h.name}=${h.uri}`),
      { defaultTimeoutMs: 30_000 },
    );
  });
  afterAll(async () => {
    await port?.close();
    await labDown({ stateDir: MIGRATE_STATE_DIR });
  });

  it('moves lab-vm-1 to lab-b while its counter keeps increasing', async () => {
    if (!port) throw new Error('no port');
    const guest = state.guests[0];
    const [, b] = state.hosts;
    // migrate only once the workload runs (a guest moved mid-boot is not what this checks)
    await pollUntil(
      () => {
        const p = readProgress(guest.serialLog);
        return p.length >= 3 && p[p.length - 1].cpuIterations > p[0].cpuIterations;
      },
      { what: `${guest.name}'s progress counter to move`, timeoutMs: 180_000, intervalMs: 1000 },
    );
    const before = readProgress(guest.serialLog);
    const result = await port.migrate(
      { host: 'lab-a', name: guest.name },
      { host: 'lab-b', uri: b.uri },
      { timeoutMs: 120_000 },
    );
    expect(result).toMatchObject({ vm: guest.name, from: 'lab-a', to: 'lab-b' });
    expect(result.durationSeconds).toBeGreaterThan(0);
    expect(result.downtimeMs).toBeGreaterThanOrEqual(0);
    expect((await port.getVm({ host: 'lab-b', name: guest.name })).state).toBe('running');
    expect((await port.listVms('lab-a')).map((v) => v.name)).not.toContain(guest.name);

    // the guest keeps reporting from lab-b, further than before the move
    const last = before[before.length - 1];
    const after = await pollUntil(
      () => {
        const p = readProgress(guest.serialLog);
        return p.length >= before.length + 3 && p[p.length - 1].cpuIterations > last.cpuIterations ? p : null;
      },
      { what: `${guest.name}'s counter to increase on lab-b`, timeoutMs: 60_000, intervalMs: 1000 },
    );
    // never back: no reboot (uptime) and no lost work (counter) across the whole log
    for (let i = 1; i < after.length; i++) {
      expect(after[i].uptimeSeconds).toBeGreaterThan(after[i - 1].uptimeSeconds);
      expect(after[i].cpuIterations).toBeGreaterThanOrEqual(after[i - 1].cpuIterations);
    }
    process.stdout.write(
      `migration: ${result.durationSeconds.toFixed(2)} s, downtime ${result.downtimeMs} ms, ` +
        `${Math.round((result.transferredBytes ?? 0) / 2 ** 20)} MiB\n`,
    );
  });
});
