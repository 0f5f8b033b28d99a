// `vmpilot sd --config FILE [--output FILE]`: the per-host exporters of
// `prometheus.exporters` as a Prometheus file_sd file (the same JSON GET /api/v1/sd serves
// for http_sd). Without --output it prints the JSON; with it, the file is replaced
// atomically (Prometheus re-reads a file_sd file when it changes).
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load';
import { sdTargetGroups, writeFileSd } from '../../api/sd';
import { CliError } from '../errors';

export function register(program: Command): void {
  program
    .command('sd')
    .description(
      'print (or write, for file_sd_configs) the Prometheus targets of the per-host exporters in prometheus.exporters',
    )
    .requiredOption('--config <file>', 'path to vmpilot.yaml')
    .option('--output <file>', 'write a file_sd file (atomically) instead of printing')
    .action((opts: { config: string; output?: string }) => {
      let cfg;
      try {
        cfg = loadConfig(opts.config);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
        throw e;
      }
      if (!cfg.prometheus.exporters)
        throw new CliError(
          `${opts.config}: prometheus.exporters is not set (one exporter per host: host name → address); nothing to discover`,
          1,
        );
      const groups = sdTargetGroups(cfg.prometheus.exporters);
      if (opts.output) {
        try {
          writeFileSd(opts.output, groups);
        } catch (e) {
          throw new CliError(`${opts.output}: ${e instanceof Error ? e.message : String(e)}`, 1, {
            cause: e,
          });
        }
        process.stderr.write(`${opts.output}: ${groups.length} target(s)\n`);
      } else process.stdout.write(`${JSON.stringify(groups, null, 2)}\n`);
    });
}
