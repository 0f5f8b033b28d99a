// Shared set-up of the hold and crash suites: a config for `vmpilot autoscaler` on the
// hotspot scenario (the service serves the exporter for its own simulated cluster), a real
// Prometheus scraping it, and the autoscaler as a child process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { TuningEvent } from '../../core/model/event';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { ensureBuilt, freePort, spawnVmpilot, within, type Spawned } from './helpers';
import { GiveUp, pollUntil } from '../helpers/poll';

export const SCENARIO = path.join(__dirname, 'fixtures', 'hotspot.yaml');

export interface ServiceSetup {
  configFile: string;
  journal: string;
  ports: { exporter: number; api: number; prometheus: number };
  api: string;
}

export async function writeServiceConfig(
  workdir: string,
  over: Record<string, unknown> = {},
): Promise<ServiceSetup> {
  const ports = { exporter: await freePort(), api: await freePort(), prometheus: await freePort() };
  const journal = path.join(workdir, 'journal.jsonl');
  const config = {
    hypervisors: [`sim://${SCENARIO}`],
    simulatorSpeed: 10,
    exporter: { listen: `127.0.0.1:${ports.exporter}` },
    prometheus: {
      url: `http://127.0.0.1:${ports.prometheus}`,
      scrapeIntervalSeconds: 1,
      historyPoints: 5,
      timeoutSeconds: 2,
    },
    planner: { t2Seconds: 1, t1Seconds: 2 },
    loops: { roundDeadlineSeconds: 5 },
    applier: { migrationTimeoutSeconds: 120, callTimeoutSeconds: 5 },
    listen: `127.0.0.1:${ports.api}`,
    journal,
    ...over,
  };
  const configFile = path.join(workdir, 'vmpilot.yaml');
  writeFileSync(configFile, stringify(config));
  return { configFile, journal, ports, api: `http://127.0.0.1:${ports.api}` };
}

export function startPrometheusFor(s: ServiceSetup, workdir: string): Promise<RunningPrometheus> {
  return startPrometheus({
    scrapeTargets: [`127.0.0.1:${s.ports.exporter}`],
    scrapeIntervalSeconds: 1,
    port: s.ports.prometheus,
    dataDir: path.join(workdir, 'prometheus'),
  });
}

export async function startService(s: ServiceSetup): Promise<Spawned> {
  const p = spawnVmpilot([
    'autoscaler',
    '--config',
    s.configFile,
    '--log.level',
    'info',
    '--log.format',
    'json',
    '--grace',
    '5',
  ]);
  await pollUntil(
    async () => {
      if (p.child.exitCode !== null) throw new GiveUp(`autoscaler exited: ${p.stderr()}`);
      return (await fetch(`${s.api}/healthz`)).ok;
    },
    { what: 'the autoscaler API', timeoutMs: 30000 },
  );
  return p;
}

/** Stops a service child: SIGTERM, then SIGKILL of its group if it does not exit in time. */
export async function stopService(p: Spawned | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGTERM');
  const done = await within(
    p.exited.then(() => true),
    15000,
    false,
  );
  if (!done) {
    p.kill('SIGKILL');
    await p.exited;
  }
}

/** One suite's running pieces; the tests may stop or replace `service` and `prometheus`. */
export interface ServiceRig {
  workdir: string;
  setup: ServiceSetup;
  service?: Spawned;
  prometheus?: RunningPrometheus;
}

/**
 * Registers the suite's beforeAll/afterAll: a fresh work dir, `vmpilot autoscaler` on the
 * hotspot scenario and a real Prometheus scraping it; stopped and removed after the suite.
 */
export function useServiceWithPrometheus(name: string): ServiceRig {
  const rig = {} as ServiceRig;
  beforeAll(async () => {
    ensureBuilt();
    rig.workdir = mkdtempSync(path.join(tmpdir(), `vmpilot-e2e-${name}-`));
    rig.setup = await writeServiceConfig(rig.workdir);
    rig.service = await startService(rig.setup);
    rig.prometheus = await startPrometheusFor(rig.setup, rig.workdir);
  });
  afterAll(async () => {
    await stopService(rig.service);
    await rig.prometheus?.stop();
    if (rig.workdir) rmSync(rig.workdir, { recursive: true, force: true });
  });
  return rig;
}

/** Every line of the journal file, parsed (a torn last line is ignored, as the service does). */
export function journalLines(file: string): TuningEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TuningEvent);
}
