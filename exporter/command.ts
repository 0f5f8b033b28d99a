// The `exporter` command, `vmpilot exporter --connect URI… [--listen ADDR]` and the
// stand-alone exporter/main.ts: serves per-VM and per-host metrics for Prometheus
// (./server.ts). Runs until SIGINT/SIGTERM. An unreachable URI at start-up does not stop
// it: that host reports vmpilot_host_up 0 and is retried with back-off. It lives here, not
// in autoscaler/cli/, because exporter/ never imports autoscaler/ (README.md "Layering").
import type { Command } from 'commander';
import pino from 'pino';
import { CliError } from '../core/cli/errors';
import { parseHypervisorUri } from '../core/hypervisor/connect';
import { enabledCollectors, parseDuration, parseGroups, parseListen } from './cli-options';
import { COLLECTORS } from './collectors';
import { leanHeap } from './lean-memory';
import {
  DEFAULT_BACKGROUND_GROUPS,
  DEFAULT_BACKGROUND_INTERVAL_MS,
  DEFAULT_DEADLINE_MS,
  DEFAULT_SLOW_READ_MS,
  startExporter,
} from './server';

interface ExporterFlags {
  connect: string[];
  listen: string;
  deadline: string;
  backgroundGroups: string;
  backgroundInterval: string;
  slowRead: string;
  logLevel: string;
  leanMemory: boolean;
  [collectorSwitch: string]: unknown;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (s: NodeJS.Signals) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(s);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/** Turns a parse error of a flag value into a one-line CLI error. */
function flag<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 2);
  }
}

/** Adds the `exporter` command to `program`. */
export function registerExporterCommand(program: Command): void {
  const cmd = program
    .command('exporter')
    .description('serve per-VM and per-host metrics of libvirt or simulated hosts for Prometheus (/metrics)')
    .requiredOption(
      '-c, --connect <uri>',
      'hypervisor URI, repeatable: test:///default, test:///abs/host.xml, qemu:///system, qemu+ssh://host/system, sim://SCENARIO; prefix NAME= to name the host',
      collect,
      [],
    )
    .option('--listen <host:port>', 'address to serve /, /metrics and /healthz on', '127.0.0.1:9177')
    .option(
      '--deadline <duration>',
      'deadline of one scrape (e.g. 5s, 500ms); past it /metrics answers with what arrived and vmpilot_host_up 0',
      `${DEFAULT_DEADLINE_MS / 1000}s`,
    )
    .option(
      '--background-groups <list>',
      'stat groups moved off the scrape path when a host reads slowly (comma list of cpu,vcpu,balloon,block,net,perf,dirtyrate, or none)',
      DEFAULT_BACKGROUND_GROUPS.join(','),
    )
    .option(
      '--background-interval <duration>',
      'minimum age of the background read before the next one (0s: one read after each scrape)',
      `${DEFAULT_BACKGROUND_INTERVAL_MS / 1000}s`,
    )
    .option(
      '--slow-read <duration>',
      'a host whose full stats read takes longer than this gets its slow groups read in the background',
      `${DEFAULT_SLOW_READ_MS}ms`,
    )
    .option(
      '--no-lean-memory',
      "keep V8's default young-generation growth and malloc's freed memory (more RSS; see exporter/README.md)",
    )
    .option('--log-level <level>', 'pino log level (fatal, error, warn, info, debug)', 'info');
  for (const c of COLLECTORS) {
    cmd.option(
      `--collector.${c.name}`,
      `enable collector ${c.name}: ${c.description}${c.defaultEnabled ? ' (default on)' : ''}`,
    );
    cmd.option(`--no-collector.${c.name}`, `disable collector ${c.name}`);
  }
  cmd.action(async (opts: ExporterFlags) => {
    // This process is only an exporter: its heap settings are ours to choose.
    if (opts.leanMemory) leanHeap();
    const listen = flag(() => parseListen(opts.listen));
    const deadlineMs = flag(() => parseDuration('--deadline', opts.deadline));
    if (deadlineMs === 0) throw new CliError('--deadline must be greater than 0', 2);
    const backgroundIntervalMs = flag(() => parseDuration('--background-interval', opts.backgroundInterval));
    const slowReadMs = flag(() => parseDuration('--slow-read', opts.slowRead));
    const backgroundGroups = flag(() => parseGroups(opts.backgroundGroups));
    for (const uri of opts.connect) flag(() => parseHypervisorUri(uri));
    const switches: Record<string, boolean | undefined> = {};
    for (const c of COLLECTORS) {
      const v = opts[`collector.${c.name}`];
      if (typeof v === 'boolean') switches[c.name] = v;
    }
    const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
    if (!levels.includes(opts.logLevel))
      throw new CliError(`--log-level "${opts.logLevel}": expected one of ${levels.join(', ')}`, 2);
    const logger = pino({ name: 'vmpilot-exporter', level: opts.logLevel }, pino.destination(2));
    let running;
    try {
      running = await startExporter({
        connect: opts.connect,
        listen,
        deadlineMs,
        logger,
        collectors: enabledCollectors(switches),
        backgroundGroups,
        backgroundIntervalMs,
        slowReadMs,
        portOptions: { defaultTimeoutMs: deadlineMs },
        releaseNativeMemory: opts.leanMemory,
      });
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), 1, { cause: e });
    }
    process.stdout.write(`vmpilot exporter listening on ${running.url}/metrics\n`);
    const signal = await untilSignal();
    logger.info({ signal }, 'stopping');
    await running.close();
  });
}
