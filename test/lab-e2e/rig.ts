// The production path on the real QEMU lab, as the e2e suites run it: the lab (two libvirtds
// in network namespaces, tiny Linux guests), one `vmpilot exporter` process per lab host
// (each reading its own host's libvirtd, as on a real cluster), Debian's Prometheus scraping
// both, and `vmpilot autoscaler` as a child process acting on the lab's libvirtds. Every
// piece is a real process; the suites stop, kill and restart them to test failures.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { Applier } from '../../autoscaler/applier/applier';
import { Journal } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { TuningEvent } from '../../core/model/event';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { labDown, labUp, type UpOptions } from '../../lab/lab';
import { startHost } from '../../lab/host';
import { pidsInNamespace } from '../../lab/network';
import { missingPrerequisite } from '../../lab/prereqs';
import { parseProgressLog, type GuestProgress } from '../../lab/progress';
import type { LabHostState, LabState } from '../../lab/state';
import { LAB_HOSTS } from '../../lab/topology';
import { virshAnswers } from '../../lab/virsh';
import { ensureBuilt, freePort, spawnVmpilot, type Spawned } from '../e2e/helpers';
import { startService, stopService } from '../e2e/service-setup';
import { GiveUp, pollUntil } from '../helpers/poll';

export interface LabRig {
  workdir: string;
  lab: LabState;
  exporters: Map<string, { url: string; process: Spawned }>;
  prometheus: RunningPrometheus;
  /** The autoscaler's config file, journal and API. */
  configFile: string;
  journal: string;
  api: string;
  service?: Spawned;
}

export interface RigOptions {
  /** A suite name, for the work and state dirs. */
  name: string;
  up: Omit<UpOptions, 'stateDir' | 'log'>;
  /** Merged into the autoscaler's config (planner, applier, …). */
  config: Record<string, unknown>;
}

/** Fails the suite (never skips) when the lab cannot run here. */
export function requireLab(): void {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`${missing} — run scripts/setup.sh as root`);
}

async function startExporterProcess(h: LabHostState): Promise<{ url: string; process: Spawned }> {
  const port = await freePort();
  const p = spawnVmpilot([
    'exporter',
    '--connect',
    `${h.name}=${h.uri}`,
    '--listen',
    `127.0.0.1:${port}`,
    '--log-level',
    'warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await pollUntil(
    async () => {
      if (p.child.exitCode !== null) throw new GiveUp(`exporter of ${h.name} exited: ${p.stderr()}`);
      return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
    },
    { what: `the exporter of ${h.name}`, timeoutMs: 30_000, intervalMs: 200 },
  );
  return { url, process: p };
}

/** Brings up the lab, the exporters and Prometheus, and writes the autoscaler's config. */
export async function startRig(o: RigOptions): Promise<LabRig> {
  requireLab();
  ensureBuilt();
  const workdir = mkdtempSync(path.join(tmpdir(), `vmpilot-lab-e2e-${o.name}-`));
  const stateDir = path.join(workdir, 'lab');
  await labDown({ stateDir });
  const lab = await labUp({ ...o.up, stateDir });
  const exporters = new Map<string, { url: string; process: Spawned }>();
  for (const h of lab.hosts) exporters.set(h.name, await startExporterProcess(h));
  const ports = { api: await freePort(), prometheus: await freePort() };
  const prometheus = await startPrometheus({
    scrapeTargets: [...exporters.values()].map((e) => e.url.replace('http://', '')),
    scrapeIntervalSeconds: 1,
    port: ports.prometheus,
    dataDir: path.join(workdir, 'prometheus'),
  });
  const journal = path.join(workdir, 'journal.jsonl');
  const configFile = path.join(workdir, 'vmpilot.yaml');
  writeServiceConfig(configFile, {
    hypervisors: lab.hosts.map((h) => `${h.name}=${h.uri}`),
    prometheus: {
      url: prometheus.url,
      scrapeIntervalSeconds: 1,
      historyPoints: 5,
      timeoutSeconds: 5,
    },
    loops: { roundDeadlineSeconds: 20 },
    listen: `127.0.0.1:${ports.api}`,
    journal,
    ...o.config,
  });
  return { workdir, lab, exporters, prometheus, configFile, journal, api: `http://127.0.0.1:${ports.api}` };
}

export function writeServiceConfig(file: string, config: Record<string, unknown>): void {
  writeFileSync(file, stringify(config));
}

export async function startAutoscaler(rig: LabRig): Promise<Spawned> {
  rig.service = await startService({
    configFile: rig.configFile,
    journal: rig.journal,
    api: rig.api,
    ports: { exporter: 0, api: 0, prometheus: 0 },
  });
  return rig.service;
}

/** Stops everything the rig started, the lab last; removes the work dir. */
export async function stopRig(rig: LabRig | undefined): Promise<void> {
  if (!rig) return;
  await stopService(rig.service);
  for (const e of rig.exporters.values()) await stopService(e.process);
  await rig.prometheus.stop();
  await labDown({ stateDir: rig.lab.stateDir });
  rmSync(rig.workdir, { recursive: true, force: true });
}

/** The autoscaler's events, from its API. */
export async function apiEvents(rig: LabRig, query = 'limit=1000'): Promise<TuningEvent[]> {
  const r = await fetch(`${rig.api}/api/v1/events?${query}`, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`GET /api/v1/events: HTTP ${r.status}`);
  return ((await r.json()) as { events: TuningEvent[] }).events;
}

/** A guest's progress lines so far (its serial console log). */
export function progressOf(rig: LabRig, vm: string): GuestProgress[] {
  const g = rig.lab.guests.find((x) => x.name === vm);
  if (!g) throw new Error(`no lab guest ${vm}`);
  try {
    return parseProgressLog(readFileSync(g.serialLog, 'utf8'));
  } catch {
    return [];
  }
}

/** Waits until the guest's workload runs (its counter moved over a few progress lines). */
export async function guestRunning(rig: LabRig, vm: string, timeoutMs = 180_000): Promise<void> {
  await pollUntil(
    () => {
      const p = progressOf(rig, vm);
      return p.length >= 3 && p[p.length - 1].cpuIterations > p[p.length - 3].cpuIterations;
    },
    { what: `${vm}'s progress counter to move`, timeoutMs, intervalMs: 1000 },
  );
}

/** CPU iterations per guest-second over the last `seconds` of progress lines. */
export function progressRate(lines: readonly GuestProgress[], seconds: number): number {
  const last = lines[lines.length - 1];
  const first = [...lines].reverse().find((l) => last.uptimeSeconds - l.uptimeSeconds >= seconds);
  if (!first) throw new Error(`fewer than ${seconds} s of progress lines`);
  return (last.cpuIterations - first.cpuIterations) / (last.uptimeSeconds - first.uptimeSeconds);
}

/** Kills a lab host's libvirtd (not its guests' QEMUs, which outlive it as on a real host). */
export async function killLibvirtd(
  rig: LabRig,
  host: string,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  const h = hostState(rig, host);
  const pid = Number(readFileSync(path.join(h.dir, 'libvirtd.pid'), 'utf8').trim());
  const inNs = await pidsInNamespace(host);
  if (!inNs.includes(pid)) throw new Error(`libvirtd pid ${pid} is not in namespace ${host}`);
  process.kill(pid, signal);
  // gone, not just silent: a daemon still shutting down holds its pid file, and a new one
  // started then exits at once
  await pollUntil(async () => !existsSync(`/proc/${pid}`) && !(await virshAnswers(h.uri)), {
    what: `libvirtd of ${host} to exit`,
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

/**
 * A host dying: its libvirtd and every QEMU of its namespace SIGKILLed at once (the guests
 * die with it, as with a power loss; the namespace and its veth stay, so the host can come
 * back with `restartLibvirtd`).
 */
export async function killHost(rig: LabRig, host: string): Promise<number[]> {
  const h = hostState(rig, host);
  const pids = await pidsInNamespace(host);
  if (pids.length === 0) throw new Error(`no process in namespace ${host}`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await pollUntil(async () => pids.every((p) => !existsSync(`/proc/${p}`)) && !(await virshAnswers(h.uri)), {
    what: `every process of ${host} to be gone`,
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  return pids;
}

/** Starts a lab host's libvirtd again, in its namespace, with its config and UUID. */
export async function restartLibvirtd(rig: LabRig, host: string): Promise<void> {
  const h = hostState(rig, host);
  const spec = LAB_HOSTS.find((s) => s.name === host);
  if (!spec) throw new Error(`no lab host ${host}`);
  await startHost(
    spec,
    LAB_HOSTS,
    { dir: h.dir, capsCache: path.join(rig.lab.cacheDir, 'libvirt-cache', host) },
    h.hostUuid,
  );
}

function hostState(rig: LabRig, host: string): LabHostState {
  const h = rig.lab.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no lab host ${host}`);
  return h;
}

/** Global rounds run so far: those with `outcome` (ok, held, …), or all. */
async function globalRounds(rig: LabRig, outcome?: string): Promise<number> {
  const text = await (await fetch(`${rig.api}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  return text
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('vmpilot_autoscaler_rounds_total{') &&
        l.includes('loop="global"') &&
        (outcome === undefined || l.includes(`outcome="${outcome}"`)),
    )
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Waits until the autoscaler has run `n` more global rounds (ok ones, unless `anyOutcome`). */
export async function waitGlobalRounds(
  rig: LabRig,
  n: number,
  what: string,
  anyOutcome = false,
): Promise<void> {
  const outcome = anyOutcome ? undefined : 'ok';
  const start = await globalRounds(rig, outcome);
  await pollUntil(async () => (await globalRounds(rig, outcome)) >= start + n, {
    what,
    timeoutMs: 120_000,
    intervalMs: 2000,
  });
}

/** The production applier on the lab's hosts, with a journal of its own in the work dir. */
export interface LabApplier {
  port: HypervisorPort;
  journal: Journal;
  applier: Applier;
  close(): Promise<void>;
}

export async function labApplier(
  rig: LabRig,
  journalName: string,
  o: { migrationTimeoutMs: number; migrationBandwidthBytesPerSecond?: number },
): Promise<LabApplier> {
  const port = await connectHypervisors(
    rig.lab.hosts.map((h) => `${h.name}=${h.uri}`),
    { defaultTimeoutMs: 30_000 },
  );
  const journal = Journal.open(path.join(rig.workdir, journalName)).journal;
  const applier = new Applier({
    port,
    journal,
    metrics: new ServiceMetrics({ processMetrics: false }),
    log: pino({ level: 'silent' }),
    clock: Date.now,
    callTimeoutMs: 10_000,
    maxConcurrentMigrations: 1,
    dryRun: () => false,
    paused: () => false,
    ...o,
  });
  return {
    port,
    journal,
    applier,
    close: async () => {
      journal.close();
      await port.close();
    },
  };
}
