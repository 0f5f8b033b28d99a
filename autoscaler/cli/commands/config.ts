// `vmpilot config check FILE`: validates a vmpilot.yaml without starting anything; every
// wrong field is named with its path and the reason.
import type { Command } from 'commander';
import { ConfigError, loadConfig, type LoadedConfig } from '../../config/load';
import { promqlRemoteErrors } from '../../config/promql-remote';
import { configWarnings } from '../../config/semantics';
import { CliError } from '../errors';

/** Every configured query checked by Prometheus; refused ones fail the check, one line each. */
async function checkWithPrometheus(file: string, cfg: LoadedConfig, flag: string | true): Promise<void> {
  const url = flag === true ? cfg.prometheus.url : flag;
  let errors: string[];
  try {
    errors = await promqlRemoteErrors(cfg, url);
  } catch (e) {
    throw new CliError(
      `${file}: cannot check the queries with Prometheus at ${url}: ${e instanceof Error ? e.message : String(e)}`,
      undefined,
      { cause: e },
    );
  }
  if (errors.length) throw new CliError(errors.map((e) => `${file}: ${e}`).join('\n'), 1);
}

export function register(program: Command): void {
  const config = program.command('config').description('work with vmpilot.yaml configuration files');
  config
    .command('check')
    .description(
      'validate a config file (YAML syntax and every field) without starting the service; ' +
        'time spans (…Seconds keys, applier.maxDowntimeMs) take a number or a duration such as 20s, 5m, 1h30m',
    )
    .argument('<file>', 'path to vmpilot.yaml')
    .option(
      '--print',
      "print the config with every default filled in (JSON; durations as numbers in their key's unit)",
    )
    .option(
      '--prometheus [url]',
      'also have a running Prometheus check every query (types included, e.g. rate() without a range); default URL: the configured one',
    )
    .action(async (file: string, opts: { print?: boolean; prometheus?: string | true }) => {
      try {
        const cfg = loadConfig(file);
        for (const w of configWarnings(cfg)) process.stderr.write(`${file}: warning: ${w}\n`);
        if (opts.prometheus) await checkWithPrometheus(file, cfg, opts.prometheus);
        if (opts.print) process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
        else {
          process.stdout.write(
            `${file}: OK — ${cfg.hypervisors.length} hypervisor URI(s), Prometheus ${cfg.prometheus.url}, ` +
              `T2 ${cfg.planner.t2Seconds} s, T1 ${cfg.planner.t1Seconds} s, ` +
              `API ${cfg.listen}${cfg.dryRun ? ', dry run' : ''}` +
              (cfg.leader
                ? `, leader election on etcd (${cfg.leader.etcd.endpoints.length} endpoint(s), lease ${cfg.leader.etcd.leaseSeconds} s; journal in etcd)`
                : '') +
              '\n',
          );
        }
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
        throw e;
      }
    });
}
