// `vmpilot demo`: the embedded default end to end, in one process — the simulated
// seed-experiment cluster (time accelerated), the exporter on it, a real Prometheus
// (Debian's binary, a child process) scraping the exporter, and the autoscaler acting on the
// simulated cluster through the same code as production. Decisions are printed as they
// happen; stop() (Ctrl-C or --duration) tears everything down, leaving no process behind.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { TuningEvent } from '../../core/model/event';
import { loadConfig } from '../config/load';
import type { ServiceConfigInput } from '../config/schema';
import { startAutoscaler, type RunningAutoscaler } from '../service/run';
import type { RoundReport } from '../service/service';
import { findOnPath, PROMETHEUS_INSTALL_HINT } from './find-binary';
import { formatEvent, heldKey } from './format';

export interface DemoOptions {
  scenario: string;
  speed: number;
  exporterPort: number;
  apiPort: number;
  prometheusPort: number;
  /** Seconds of the simulated experiment's T2 (local) period; T1 = 6 × T2. */
  t2SimSeconds: number;
  /** Prometheus scrape interval in real seconds. */
  scrapeIntervalSeconds: number;
  workdir?: string;
  keep: boolean;
  dryRun: boolean;
  logLevel: string;
  /** Where human lines go (default stdout). */
  out?: (line: string) => void;
}

export interface RunningDemo {
  workdir: string;
  configFile: string;
  exporterUrl: string;
  prometheusUrl: string;
  apiUrl: string;
  token: string;
  autoscaler: RunningAutoscaler;
  stop(): Promise<void>;
}

export class DemoSetupError extends Error {
  override readonly name = 'DemoSetupError';
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const out =
    o.out ??
    ((l: string) => {
      if (process.stdout.writable) process.stdout.write(`${l}\n`);
    });
  if (!findOnPath('prometheus')) throw new DemoSetupError(PROMETHEUS_INSTALL_HINT);
  const workdir = o.workdir ?? mkdtempSync(path.join(tmpdir(), 'vmpilot-demo-'));
  mkdirSync(workdir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  if (!o.workdir && !o.keep) cleanups.push(async () => rmSync(workdir, { recursive: true, force: true }));
  try {
    const uri = `sim://${o.scenario}`;
    const port: HypervisorPort = await connectHypervisors([uri], { speed: o.speed });
    cleanups.push(() => port.close());

    const { startExporter } = await import('../../exporter/server.js');
    const exporter = await startExporter({
      hypervisor: port,
      listen: { host: '127.0.0.1', port: o.exporterPort },
      deadlineMs: 5000,
      // The simulator answers every stat group at once: nothing to move off the scrape path.
      backgroundGroups: [],
    });
    cleanups.push(() => exporter.close());

    const { startPrometheus } = await import('../../core/procs/prometheus.js');
    const prometheus = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporter.port}`],
      scrapeIntervalSeconds: o.scrapeIntervalSeconds,
      port: o.prometheusPort,
      dataDir: path.join(workdir, 'prometheus'),
    });
    cleanups.push(() => prometheus.stop());

    const token = randomBytes(16).toString('hex');
    const tokenFile = path.join(workdir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const t2 = o.t2SimSeconds / o.speed;
    const config: ServiceConfigInput = {
      hypervisors: [uri],
      simulatorSpeed: o.speed,
      prometheus: {
        url: prometheus.url,
        scrapeIntervalSeconds: o.scrapeIntervalSeconds,
        historyPoints: 5,
        timeoutSeconds: 5,
      },
      // Periods and the cooldown follow the accelerated clock (the planner's `now` is real time).
      planner: { t2Seconds: t2, t1Seconds: 6 * t2, cooldownSeconds: 600 / o.speed },
      loops: { roundDeadlineSeconds: Math.max(5, t2 * 3) },
      applier: { migrationTimeoutSeconds: 120, callTimeoutSeconds: 5 },
      listen: `127.0.0.1:${o.apiPort}`,
      authTokenFile: tokenFile,
      journal: path.join(workdir, 'journal.jsonl'),
      dryRun: o.dryRun,
    };
    const configFile = path.join(workdir, 'vmpilot.yaml');
    writeFileSync(
      configFile,
      `# Written by \`vmpilot demo\`: the autoscaler's effective config for this run.\n${stringify(config)}`,
    );
    const cfg = loadConfig(configFile);

    let lastHeld = '';
    const onEvent = (ev: TuningEvent) => {
      if (ev.kind !== 'local') out(formatEvent(ev));
    };
    const onRound = (r: RoundReport) => {
      const key = heldKey(r.plan.held);
      if (key !== lastHeld) {
        out(
          key === ''
            ? `${new Date().toISOString().slice(11, 19)}  held    none: every host has fresh data`
            : `${new Date().toISOString().slice(11, 19)}  held    ${key}`,
        );
        lastHeld = key;
      }
      if (r.loop === 'local' && r.events.length > 0) {
        const by = new Map<string, number>();
        for (const e of r.events) by.set(e.result, (by.get(e.result) ?? 0) + 1);
        const kinds = [...new Set(r.events.map((e) => e.action))].join(', ');
        out(
          `${new Date().toISOString().slice(11, 19)}  local   ${r.events.length} action(s) (${kinds}): ` +
            [...by].map(([k, n]) => `${n} ${k}`).join(', '),
        );
      }
      if (r.outcome === 'error' || r.outcome === 'timeout')
        out(`${new Date().toISOString().slice(11, 19)}  ${r.loop} round ${r.outcome}: ${r.error ?? ''}`);
    };
    const log = pino({ name: 'vmpilot-demo', level: o.logLevel }, pino.destination(2));
    const autoscaler = await startAutoscaler(cfg, { log, port, onEvent, onRound });
    cleanups.push(() => autoscaler.stop(10000));

    let stopping: Promise<void> | null = null;
    return {
      workdir,
      configFile,
      exporterUrl: exporter.url,
      prometheusUrl: prometheus.url,
      apiUrl: autoscaler.apiUrl,
      token,
      autoscaler,
      stop: () => (stopping ??= undo()),
    };
  } catch (e) {
    await undo();
    throw e;
  }
}
