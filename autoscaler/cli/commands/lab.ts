// `vmpilot lab up|down|status|image`: the real two-host QEMU lab (lab/), from the command line.
import type { Command } from 'commander';
import { labDown, labStatus, labUp, type LabStatus } from '../../../lab/lab';
import { DEFAULT_CACHE_DIR, ensureGuestImage } from '../../../lab/image';
import { DEFAULT_STATE_DIR } from '../../../lab/topology';
import { parseWorkload, type Workload } from '../../../lab/workload';
import { CliError } from '../errors';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--${name} must be a whole number, not "${v}"`);
  return n;
};

const collectWorkload = (v: string, prev: Workload[]) => {
  try {
    return [...prev, parseWorkload(v)];
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
};

function formatStatus(s: LabStatus): string {
  if (s.hosts.length === 0) return `lab: down (no lab in ${s.stateDir})`;
  const lines = [`lab: ${s.up ? 'up' : 'DEGRADED'} (${s.stateDir})`];
  for (const h of s.hosts)
    lines.push(`  host ${h.name}  ${h.answers ? 'answers' : 'NOT ANSWERING'}  ${h.uri}`);
  for (const v of s.vms) lines.push(`  vm   ${v.name.padEnd(10)}  ${v.host}  ${v.state}`);
  return lines.join('\n');
}

const say = (line: string) => process.stderr.write(`${line}\n`);

export function register(program: Command): void {
  const lab = program
    .command('lab')
    .description('the real two-host QEMU lab: two libvirtds in network namespaces, tiny Linux guests (root)');
  const dirs = (c: Command) =>
    c
      .option(
        '--state-dir <dir>',
        'where the running lab keeps its state (removed by down)',
        DEFAULT_STATE_DIR,
      )
      .option('--cache-dir <dir>', 'guest image cache (kept)', DEFAULT_CACHE_DIR);

  dirs(
    lab
      .command('up')
      .description('build or reuse the guest image, start the two hosts and the guests (idempotent)')
      .option(
        '--guests <n>',
        'number of guests (lab-vm-1…N); a running lab gets the missing ones',
        positiveInt('guests'),
        2,
      )
      .option(
        '--workload <spec>',
        'guest workload cpu=N,mem=MiB,dirty=MiB/s; repeat to give guests different ones in turn',
        collectWorkload,
        [],
      )
      .option('--vcpus <n>', 'vCPUs per guest', positiveInt('vcpus'), 1)
      .option(
        '--max-vcpus <n>',
        'maximum vCPUs per guest, for hot-plug (default vcpus + 1)',
        positiveInt('max-vcpus'),
      )
      .option('--memory <mib>', 'memory per guest in MiB', positiveInt('memory'), 256)
      .option('--placement <where>', 'spread (alternate hosts) or a host name (lab-a, lab-b)', 'spread')
      .option('--json', 'print the status as JSON once up'),
  ).action(
    async (o: {
      guests: number;
      workload: Workload[];
      vcpus: number;
      maxVcpus?: number;
      memory: number;
      placement: string;
      json?: boolean;
      stateDir: string;
      cacheDir: string;
    }) => {
      await labUp({
        guests: o.guests,
        workloads: o.workload,
        vcpus: o.vcpus,
        maxVcpus: o.maxVcpus,
        memoryMiB: o.memory,
        placement: o.placement,
        stateDir: o.stateDir,
        cacheDir: o.cacheDir,
        log: say,
      });
      const s = await labStatus(o);
      process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : `${formatStatus(s)}\n`);
    },
  );

  dirs(
    lab
      .command('down')
      .description('stop the guests and hosts; remove namespaces, veths and the state dir (idempotent)'),
  ).action(async (o: { stateDir: string; cacheDir: string }) => {
    await labDown(o);
    say('lab: down');
  });

  dirs(
    lab.command('status').description('hosts and guests of the running lab').option('--json', 'print JSON'),
  ).action(async (o: { json?: boolean; stateDir: string; cacheDir: string }) => {
    const s = await labStatus(o);
    process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : `${formatStatus(s)}\n`);
  });

  lab
    .command('image')
    .description('build the guest image into the cache, or find it there; prints its directory')
    .option('--cache-dir <dir>', 'guest image cache', DEFAULT_CACHE_DIR)
    .action(async (o: { cacheDir: string }) => {
      const image = await ensureGuestImage(o.cacheDir);
      process.stdout.write(`${image.dir}\n`);
    });
}
