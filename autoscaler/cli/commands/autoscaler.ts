// `vmpilot autoscaler --config FILE [--dry-run]`: the service — loops, applier, journal,
// HTTP API and /metrics. SIGTERM/SIGINT stop it gracefully: the action in flight may finish
// within the grace period, then it is abandoned safely (job aborted, event closed).
import type { Command } from 'commander';
import pino from 'pino';
import { ConfigError, loadConfig } from '../../config/load';
import { startAutoscaler } from '../../service/run';
import { CliError } from '../errors';

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

export function register(program: Command): void {
  program
    .command('autoscaler')
    .description(
      'run the autoscaler service: T2 local / T1 global rounds, applier, journal, HTTP API on 127.0.0.1:9178',
    )
    .requiredOption('--config <file>', 'path to vmpilot.yaml (see autoscaler/examples/)')
    .option('--dry-run', 'plan and journal, never change a hypervisor (overrides the config)')
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long the action in flight may take to finish',
      (v) => Number(v),
      30,
    )
    .option('--log-level <level>', 'pino log level (trace, debug, info, warn, error)', 'info')
    .action(async (opts: { config: string; dryRun?: boolean; grace: number; logLevel: string }) => {
      if (!Number.isFinite(opts.grace) || opts.grace < 0)
        throw new CliError('--grace must be a number of seconds ≥ 0');
      let cfg;
      try {
        cfg = loadConfig(opts.config);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
        throw e;
      }
      if (opts.dryRun) cfg.dryRun = true;
      const log = pino({ name: 'vmpilot-autoscaler', level: opts.logLevel }, pino.destination(2));
      const running = await startAutoscaler(cfg, { log });
      process.stderr.write(
        `vmpilot autoscaler: API and /metrics on ${running.apiUrl}${cfg.dryRun ? ' (dry run)' : ''}\n`,
      );
      const why = await waitForSignal();
      log.info({ why }, 'stopping');
      await running.stop(opts.grace * 1000);
      log.flush();
    });
}
