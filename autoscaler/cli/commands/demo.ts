// `vmpilot demo [--speed N] [--duration S]`: simulated seed-experiment cluster → exporter
// (127.0.0.1:9177) → Prometheus (127.0.0.1:9179) → autoscaler (API 127.0.0.1:9178) acting on
// the cluster, decisions printed as they happen. Ctrl-C or --duration stops everything.
// `--lab`: the same on the real two-host QEMU lab (root), an exporter per lab host.
import type { Command } from 'commander';
import { parseWorkload, type Workload } from '../../../lab/workload';
import { DemoSetupError, startDemo } from '../../demo/demo';
import { CliError } from '../errors';
import { waitForSignal } from './autoscaler';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${name} must be an integer in ${min}..${max}, got "${v}"`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${name} must be a positive number, got "${v}"`);
  return n;
};

const workloadArg = (v: string): Workload => {
  try {
    return parseWorkload(v);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
};

/** The lab demo's default guest: one CPU burner and a little memory rewritten slowly. */
const LAB_DEMO_WORKLOAD = 'cpu=1,mem=32,dirty=2';

interface DemoFlags {
  lab?: boolean;
  guests: number;
  workload: Workload;
  memory: number;
  labStateDir?: string;
  speed: number;
  duration?: number;
  scenario: string;
  exporterPort: number;
  apiPort: number;
  prometheusPort: number;
  t2?: number;
  scrapeInterval?: number;
  workdir?: string;
  keep?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  logLevel: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run the embedded default end to end: simulated seed-experiment cluster, exporter, a real Prometheus, and the autoscaler acting on it (--lab: on the real two-host QEMU lab)',
    )
    .option(
      '--lab',
      'run on the real QEMU lab (vmpilot lab; root): every guest starts loaded on lab-a, an exporter per lab host, real time',
    )
    .option('--guests <n>', 'with --lab: guests started on lab-a', int('--guests', 1, 8), 4)
    .option(
      '--workload <spec>',
      `with --lab: each guest's workload cpu=N,mem=MiB,dirty=MiB/s`,
      workloadArg,
      parseWorkload(LAB_DEMO_WORKLOAD),
    )
    .option('--memory <mib>', 'with --lab: memory per guest in MiB', int('--memory', 64, 4096), 256)
    .option('--lab-state-dir <dir>', 'with --lab: the lab state dir (default: vmpilot lab default)')
    .option(
      '--speed <n>',
      'simulated time runs this many times faster than the clock',
      positive('--speed'),
      10,
    )
    .option(
      '--duration <seconds>',
      'stop by itself after this many seconds (default: run until Ctrl-C)',
      positive('--duration'),
    )
    .option('--scenario <name>', 'simulator scenario (sim://NAME)', 'seed-experiment')
    .option('--exporter-port <port>', 'exporter port on 127.0.0.1', int('--exporter-port', 0, 65535), 9177)
    .option('--api-port <port>', 'autoscaler API port on 127.0.0.1', int('--api-port', 0, 65535), 9178)
    .option(
      '--prometheus-port <port>',
      'Prometheus port on 127.0.0.1',
      int('--prometheus-port', 0, 65535),
      9179,
    )
    .option(
      '--t2 <seconds>',
      'local tuning period T2 in simulated seconds (T1 = 6 × T2) (default: 20; with --lab 10 real seconds)',
      positive('--t2'),
    )
    .option(
      '--scrape-interval <seconds>',
      'Prometheus scrape interval in real seconds (default: 1; with --lab 2)',
      positive('--scrape-interval'),
    )
    .option(
      '--workdir <dir>',
      'keep Prometheus data, journal and config here (default: a temp dir removed at exit)',
    )
    .option('--keep', 'keep the temp dir (and with --lab, a lab the demo started) at exit')
    .option('--dry-run', 'plan and journal, but never change the simulated cluster')
    .option(
      '--verbose',
      'print every action as it is journalled (local tunings included); default: one summary line per global round, migrations with their phases, held hosts',
    )
    .option(
      '--log-level <level>',
      'service log level on stderr (decisions and held hosts are printed on stdout anyway)',
      'error',
    )
    .action(async (f: DemoFlags) => {
      let demo;
      try {
        demo = await startDemo({
          scenario: f.scenario,
          speed: f.speed,
          exporterPort: f.exporterPort,
          apiPort: f.apiPort,
          prometheusPort: f.prometheusPort,
          t2SimSeconds: f.t2 ?? (f.lab ? 10 : 20),
          scrapeIntervalSeconds: f.scrapeInterval ?? (f.lab ? 2 : 1),
          ...(f.lab
            ? {
                lab: {
                  guests: f.guests,
                  workload: f.workload,
                  memoryMiB: f.memory,
                  ...(f.labStateDir ? { stateDir: f.labStateDir } : {}),
                },
              }
            : {}),
          ...(f.workdir ? { workdir: f.workdir } : {}),
          keep: f.keep ?? false,
          dryRun: f.dryRun ?? false,
          verbose: f.verbose ?? false,
          logLevel: f.logLevel,
        });
      } catch (e) {
        if (e instanceof DemoSetupError) throw new CliError(e.message);
        throw e;
      }
      // `vmpilot demo | head` must not kill the demo (and orphan Prometheus) on EPIPE:
      // once stdout is gone, lines are dropped and the demo runs on until stopped.
      let stdoutOpen = true;
      process.stdout.on('error', () => (stdoutOpen = false));
      const say = (l: string) => {
        if (stdoutOpen) process.stdout.write(`${l}\n`);
      };
      // An unexpected error still tears everything down (Prometheus is a separate process).
      const crash = (e: unknown) => {
        process.stderr.write(`vmpilot demo: ${e instanceof Error ? e.message : String(e)}; stopping\n`);
        void demo.stop().finally(() => process.exit(1));
      };
      process.once('uncaughtException', crash);
      process.once('unhandledRejection', crash);
      say(
        f.lab
          ? `vmpilot demo: ${demo.cluster}, real time`
          : `vmpilot demo: ${demo.cluster} at ${f.speed}× speed`,
      );
      for (const url of demo.exporterUrls) say(`  exporter    ${url}/metrics`);
      say(`  prometheus  ${demo.prometheusUrl}`);
      say(`  live view   ${demo.apiUrl}/ui/`);
      say(`  autoscaler  ${demo.apiUrl}/api/v1/events   ${demo.apiUrl}/api/v1/plan   ${demo.apiUrl}/metrics`);
      say(`  pause       curl -X POST -H 'Authorization: Bearer ${demo.token}' ${demo.apiUrl}/api/v1/pause`);
      say(`  config      ${demo.configFile}  (try: vmpilot plan --config ${demo.configFile})`);
      say(f.duration ? `  stops by itself after ${f.duration} s (or Ctrl-C)` : '  Ctrl-C stops everything');
      say('decisions:');
      const why = await waitForSignal(f.duration !== undefined ? f.duration * 1000 : undefined);
      say(`stopping (${why}) …`);
      const events = demo.autoscaler.journal.events();
      const migrations = events.filter((e) => e.action === 'migrate');
      say(
        `${events.length} tuning event(s): ${migrations.filter((e) => e.result === 'completed').length} migration(s) completed, ` +
          `${migrations.filter((e) => e.result === 'failed').length} failed, ` +
          `${events.filter((e) => e.kind === 'local' && e.result === 'completed').length} local action(s) completed`,
      );
      await demo.stop();
      say(
        f.lab
          ? 'stopped: exporters, Prometheus and autoscaler are down (and the lab, unless it was up before or --keep).'
          : 'stopped: exporter, Prometheus and autoscaler are down.',
      );
    });
}
