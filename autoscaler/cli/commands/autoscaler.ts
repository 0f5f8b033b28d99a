// `vmpilot autoscaler --config FILE [--dry-run]`: the service — loops, applier, journal,
// HTTP API and /metrics. SIGTERM/SIGINT stop it gracefully: the action in flight may finish
// within the grace period, then it is abandoned safely (job aborted, event closed). SIGHUP
// re-reads the config file and `--web.config.file` and keeps running (service/reload.ts).
import type { Command } from 'commander';
import { formatDuration, parseFlagDuration } from '../../../core/cli/duration';
import { usage } from '../../../core/cli/errors';
import { addLogOptions, createLogger, logFlagsOf } from '../../../core/cli/log';
import { runUntilStopped } from '../../../core/cli/signals';
import { parseListenAddress } from '../../../core/web/listen-address';
import { ConfigError, loadConfig } from '../../config/load';
import { startAutoscaler } from '../../service/run';
import { CliError } from '../errors';

/** Where the units of scripts/install.sh put the config (`--config` default). */
export const DEFAULT_CONFIG_FILE = '/etc/vmpilot/vmpilot.yaml';

/** Resolves on the first SIGINT/SIGTERM (or when `ms` elapses, if given). */
export function waitForSignal(ms?: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const timer = ms !== undefined ? setTimeout(() => done('duration elapsed'), ms) : undefined;
  });
}

interface AutoscalerFlags {
  config: string;
  dryRun?: boolean;
  grace: string;
  'web.listenAddress'?: string[];
  'web.config.file'?: string;
  'web.telemetryPath': string;
  'web.maxConnections': string;
  [other: string]: unknown;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

function load(file: string) {
  try {
    return loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
    throw e;
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('autoscaler')
    .description(
      'run the autoscaler service: T2 local / T1 global rounds, applier, journal, HTTP API on 127.0.0.1:9178; one per journal (JOURNAL.lock: a second one exits 1 naming the holder)',
    )
    .option(
      '--config <file>',
      'path to vmpilot.yaml (see autoscaler/examples/); re-read on SIGHUP',
      DEFAULT_CONFIG_FILE,
    )
    .option('--dry-run', 'plan and journal, never change a hypervisor (overrides the config)')
    .option(
      '--grace <duration>',
      'on SIGTERM, how long the action in flight may take to finish (e.g. 30s, 1m30s; a bare number is seconds)',
      '30s',
    )
    .option(
      '--web.listen-address <addr>',
      "address of the API and /metrics, repeatable; :PORT = every interface (default: the config's listen)",
      collect,
    )
    .option(
      '--web.config.file <file>',
      'exporter-toolkit web config (TLS, basic auth, headers); re-read on SIGHUP',
    )
    .option('--web.telemetry-path <path>', 'path under which to expose metrics', '/metrics')
    .option('--web.max-connections <n>', 'open connections at most (more are refused)', '256');
  addLogOptions(cmd);
  cmd.action(async (opts: AutoscalerFlags) => {
    const graceMs = usage(() => parseFlagDuration('--grace', opts.grace));
    const addresses = opts['web.listenAddress']?.map((a) => usage(() => parseListenAddress(a)));
    const telemetryPath = opts['web.telemetryPath'];
    if (!telemetryPath.startsWith('/'))
      throw new CliError(`--web.telemetry-path "${telemetryPath}" must start with /`, 2);
    const maxConnections = Number(opts['web.maxConnections']);
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new CliError(`--web.max-connections "${opts['web.maxConnections']}": expected an integer ≥ 1`, 2);
    const cfg = load(opts.config);
    if (opts.dryRun) cfg.dryRun = true;
    const log = createLogger('vmpilot-autoscaler', logFlagsOf(opts));
    let running;
    try {
      running = await startAutoscaler(cfg, {
        log,
        web: {
          ...(addresses ? { addresses } : {}),
          ...(opts['web.config.file'] ? { configFile: opts['web.config.file'] } : {}),
          telemetryPath,
          maxConnections,
        },
      });
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), 1, { cause: e });
    }
    log.info(
      { api: running.apiUrl, dryRun: cfg.dryRun, pid: process.pid },
      'autoscaler: API and metrics listening',
    );
    const signal = await runUntilStopped(() => {
      try {
        const { applied, needsRestart } = running.reload(() => {
          const next = load(opts.config);
          if (opts.dryRun) next.dryRun = true;
          return next;
        });
        log.info({ file: opts.config, applied: applied.join(',') }, 'reloaded the config (SIGHUP)');
        // One line naming them, as Prometheus does for flags it cannot reload.
        if (needsRestart.length > 0)
          log.warn(
            { file: opts.config, needsRestart: needsRestart.join(',') },
            `config reload: ${needsRestart.join(', ')} changed but need a restart; the running values are kept`,
          );
      } catch (e) {
        log.error(
          { err: e instanceof Error ? e.message.replace(/\n\s*/g, '; ') : String(e) },
          'reload failed, kept the running config',
        );
      }
    });
    log.info({ signal, grace: formatDuration(graceMs) }, 'stopping');
    await running.stop(graceMs);
    log.flush();
  });
}
