// The `exporter` command, `vmpilot exporter --connect URI… [--web.listen-address ADDR…]` and
// the stand-alone exporter/main.ts: serves per-VM and per-host metrics for Prometheus
// (./server.ts). Runs until SIGINT/SIGTERM; SIGHUP re-reads `--web.config.file`. An
// unreachable URI at start-up does not stop it: that host reports vmpilot_host_up 0 and is
// retried with back-off. libvirt is opened read-only (the exporter never changes a
// domain). It lives here, not in autoscaler/cli/, because exporter/ never imports
// autoscaler/ (README.md "Layering").
import { Option, type Command } from 'commander';
import { CliError, usage } from '../core/cli/errors';
import { parseFlagDuration } from '../core/cli/duration';
import { addLogOptions, createLogger, logFlagsOf } from '../core/cli/log';
import { runUntilStopped } from '../core/cli/signals';
import { parseHypervisorUri } from '../core/hypervisor/connect';
import { parseListenAddress, type ListenAddress } from '../core/web/listen-address';
import { enabledCollectors, parseGroups } from './cli-options';
import { COLLECTORS } from './collectors';
import { leanHeap } from './lean-memory';
import {
  DEFAULT_BACKGROUND_GROUPS,
  DEFAULT_BACKGROUND_INTERVAL_MS,
  DEFAULT_DEADLINE_MS,
  DEFAULT_SLOW_READ_MS,
  startExporter,
} from './server';

export const DEFAULT_EXPORTER_ADDRESS = '127.0.0.1:9177';

interface ExporterFlags {
  connect: string[];
  'web.listenAddress'?: string[];
  listen?: string;
  'web.config.file'?: string;
  'web.telemetryPath': string;
  'web.maxConnections': string;
  deadline: string;
  backgroundGroups: string;
  backgroundInterval: string;
  slowRead: string;
  leanMemory: boolean;
  [other: string]: unknown;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** Where to listen: every --web.listen-address, else --listen (old rule: :PORT = loopback), else the default. */
export function listenAddressesOf(opts: {
  'web.listenAddress'?: string[];
  listen?: string;
}): ListenAddress[] {
  if (opts['web.listenAddress'] && opts.listen !== undefined)
    throw new Error('--listen is an alias of --web.listen-address: give one of them');
  if (opts['web.listenAddress']) return opts['web.listenAddress'].map((a) => parseListenAddress(a));
  if (opts.listen !== undefined) return [parseListenAddress(opts.listen, 'loopback', '--listen')];
  return [parseListenAddress(DEFAULT_EXPORTER_ADDRESS)];
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
    )
    .option(
      '--web.listen-address <addr>',
      `address to serve on, repeatable; :PORT = every interface (default: ${DEFAULT_EXPORTER_ADDRESS})`,
      collect,
    )
    .option(
      '--listen <host:port>',
      'older alias of --web.listen-address, one address; :PORT binds 127.0.0.1 only',
    )
    .option(
      '--web.config.file <file>',
      'exporter-toolkit web config (TLS, basic auth, headers); re-read on SIGHUP',
    )
    .option('--web.telemetry-path <path>', 'path under which to expose metrics', '/metrics')
    .option('--web.max-connections <n>', 'open connections at most (more are refused)', '256')
    .option(
      '--deadline <duration>',
      'deadline of one scrape (e.g. 5s, 500ms, 1m30s); past it /metrics answers with what arrived and vmpilot_host_up 0',
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
    );
  addLogOptions(cmd);
  for (const c of COLLECTORS) {
    cmd.option(
      `--collector.${c.name}`,
      `enable collector ${c.name}: ${c.description}${c.defaultEnabled ? ' (default on)' : ''}`,
    );
    cmd.addOption(new Option(`--no-collector.${c.name}`, `disable collector ${c.name}`));
  }
  cmd.action(async (opts: ExporterFlags) => {
    // This process is only an exporter: its heap settings are ours to choose.
    if (opts.leanMemory) leanHeap();
    const listen = usage(() => listenAddressesOf(opts));
    const deadlineMs = usage(() => parseFlagDuration('--deadline', opts.deadline));
    if (deadlineMs === 0) throw new CliError('--deadline must be greater than 0', 2);
    const backgroundIntervalMs = usage(() =>
      parseFlagDuration('--background-interval', opts.backgroundInterval),
    );
    const slowReadMs = usage(() => parseFlagDuration('--slow-read', opts.slowRead));
    const backgroundGroups = usage(() => parseGroups(opts.backgroundGroups));
    const maxConnections = Number(opts['web.maxConnections']);
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new CliError(`--web.max-connections "${opts['web.maxConnections']}": expected an integer ≥ 1`, 2);
    for (const uri of opts.connect) usage(() => parseHypervisorUri(uri));
    const switches: Record<string, boolean | undefined> = {};
    for (const c of COLLECTORS) {
      const v = opts[`collector.${c.name}`];
      if (typeof v === 'boolean') switches[c.name] = v;
    }
    const logger = createLogger('vmpilot-exporter', logFlagsOf(opts));
    let running;
    try {
      running = await startExporter({
        connect: opts.connect,
        listen,
        webConfigFile: opts['web.config.file'],
        telemetryPath: opts['web.telemetryPath'],
        limits: { maxConnections },
        deadlineMs,
        logger,
        collectors: enabledCollectors(switches),
        backgroundGroups,
        backgroundIntervalMs,
        slowReadMs,
        // The exporter only reads: a read-only libvirt connection is all it asks for.
        portOptions: { defaultTimeoutMs: deadlineMs, readOnly: true },
        releaseNativeMemory: opts.leanMemory,
      });
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), 1, { cause: e });
    }
    const signal = await runUntilStopped(() => {
      try {
        running.reloadWebConfig();
        logger.info({ file: opts['web.config.file'] ?? '(none)' }, 'reloaded the web config (SIGHUP)');
      } catch (e) {
        logger.error(
          { err: e instanceof Error ? e.message : String(e) },
          'reload failed, kept the running config',
        );
      }
    });
    logger.info({ signal }, 'stopping');
    await running.close();
  });
}
