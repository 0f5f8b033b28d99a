// `vmpilot demo`: the embedded default end to end, in one process — the simulated
// seed-experiment cluster (time accelerated), the exporter on it, a real Prometheus
// (Debian's binary, a child process) scraping the exporter, and the autoscaler acting on the
// simulated cluster through the same code as production. Decisions are printed as they
// happen (./printer.ts: a line per T1, migrations with phases; every action with verbose);
// stop() (Ctrl-C or --duration) tears everything down, leaving no process behind.
// With `lab`, the cluster is the real two-host QEMU lab instead (./lab-cluster.ts): one
// exporter per lab host (each its own libvirt connection, reconnecting as in production),
// real time, and the autoscaler acting on the lab's libvirtds.
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
import { startLabCluster, type LabDemoOptions } from './lab-cluster';
import { DemoPrinter } from './printer';

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
  /** Print every action as it is journalled, not only a line per round and the migrations. */
  verbose?: boolean;
  /** Run on the real QEMU lab instead of `sim://scenario` (speed is then 1). */
  lab?: Omit<LabDemoOptions, 'log' | 'keep'>;
}

export interface RunningDemo {
  workdir: string;
  configFile: string;
  /** What the demo runs on: `sim://NAME` or `lab (lab-a, lab-b)`. */
  cluster: string;
  /** The first exporter's URL (the only one on the simulated cluster). */
  exporterUrl: string;
  /** Every exporter: one per lab host, or the simulated cluster's one. */
  exporterUrls: string[];
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
    const speed = o.lab ? 1 : o.speed;
    let hypervisors: string[];
    let port: HypervisorPort;
    const exporters: { url: string; port: number }[] = [];
    const { startExporter } = await import('../../exporter/server.js');
    if (o.lab) {
      const lab = await startLabCluster({ ...o.lab, keep: o.keep, log: out });
      cleanups.push(() => lab.stop());
      hypervisors = lab.hypervisors;
      port = await connectHypervisors(hypervisors, { defaultTimeoutMs: 30_000 });
      cleanups.push(() => port.close());
      // One exporter per host, as on a real cluster: the first on --exporter-port, the
      // others on free ports (they all live on this machine's loopback).
      for (const [i, h] of lab.state.hosts.entries()) {
        const exporter = await startExporter({
          connect: [`${h.name}=${h.uri}`],
          portOptions: { defaultTimeoutMs: 10_000 },
          listen: { host: '127.0.0.1', port: i === 0 ? o.exporterPort : 0 },
          deadlineMs: 5000,
        });
        cleanups.push(() => exporter.close());
        exporters.push(exporter);
      }
    } else {
      hypervisors = [`sim://${o.scenario}`];
      port = await connectHypervisors(hypervisors, { speed });
      cleanups.push(() => port.close());
      const exporter = await startExporter({
        hypervisor: port,
        listen: { host: '127.0.0.1', port: o.exporterPort },
        deadlineMs: 5000,
        // The simulator answers every stat group at once: nothing to move off the scrape path.
        backgroundGroups: [],
      });
      cleanups.push(() => exporter.close());
      exporters.push(exporter);
    }

    const { freePort, startPrometheus } = await import('../../core/procs/prometheus.js');
    // Prometheus also scrapes the autoscaler (vmpilot_vm_points, migration progress: the
    // live view's series), so its port is chosen before either starts.
    const apiPort = o.apiPort || (await freePort());
    const prometheus = await startPrometheus({
      scrapeTargets: [...exporters.map((e) => `127.0.0.1:${e.port}`), `127.0.0.1:${apiPort}`],
      scrapeIntervalSeconds: o.scrapeIntervalSeconds,
      port: o.prometheusPort,
      dataDir: path.join(workdir, 'prometheus'),
    });
    cleanups.push(() => prometheus.stop());

    const token = randomBytes(16).toString('hex');
    const tokenFile = path.join(workdir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const t2 = o.t2SimSeconds / speed;
    const config: ServiceConfigInput = {
      hypervisors,
      ...(o.lab ? {} : { simulatorSpeed: speed }),
      prometheus: {
        url: prometheus.url,
        scrapeIntervalSeconds: o.scrapeIntervalSeconds,
        historyPoints: 5,
        timeoutSeconds: 5,
      },
      // Periods and the cooldown follow the accelerated clock (the planner's `now` is real time).
      planner: { t2Seconds: t2, t1Seconds: 6 * t2, cooldownSeconds: 600 / speed },
      loops: { roundDeadlineSeconds: Math.max(5, t2 * 3) },
      applier: { migrationTimeoutSeconds: 120, callTimeoutSeconds: 5 },
      listen: `127.0.0.1:${apiPort}`,
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

    const printer = new DemoPrinter(out, {
      verbose: o.verbose ?? false,
      localRoundsPerLine: Math.round(cfg.planner.t1Seconds / cfg.planner.t2Seconds),
    });
    const onEvent = (ev: TuningEvent) => printer.onEvent(ev);
    const onRound = (r: RoundReport) => printer.onRound(r);
    const log = pino({ name: 'vmpilot-demo', level: o.logLevel }, pino.destination(2));
    const autoscaler = await startAutoscaler(cfg, { log, port, onEvent, onRound });
    cleanups.push(() => autoscaler.stop(10000));

    let stopping: Promise<void> | null = null;
    return {
      workdir,
      configFile,
      cluster: o.lab ? `lab (${hypervisors.map((h) => h.split('=')[0]).join(', ')})` : hypervisors[0],
      exporterUrl: exporters[0].url,
      exporterUrls: exporters.map((e) => e.url),
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
