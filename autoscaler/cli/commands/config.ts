// `vmpilot config check FILE`: validates a vmpilot.yaml without starting anything; every
// wrong field is named with its path and the reason.
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load';
import { configWarnings } from '../../config/semantics';
import { CliError } from '../errors';

export function register(program: Command): void {
  const config = program.command('config').description('work with vmpilot.yaml configuration files');
  config
    .command('check')
    .description('validate a config file (YAML syntax and every field) without starting the service')
    .argument('<file>', 'path to vmpilot.yaml')
    .option('--print', 'print the config with every default filled in (JSON)')
    .action((file: string, opts: { print?: boolean }) => {
      try {
        const cfg = loadConfig(file);
        for (const w of configWarnings(cfg)) process.stderr.write(`${file}: warning: ${w}\n`);
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
