// `vmpilot simulate --scenario NAME|FILE --mode MODE[,MODE…] [--json] [--seed N] [--events FILE]
// [--report FILE.html]`: runs a scenario on the simulated cluster under one tuning mode (or
// several, one after the other: the seed experiment's comparison) and reports throughput,
// response times, SLA violations, migrations and host CPU smoothness (SPEC §10, §11);
// `--report` plots the same results (./report.ts).
import { accessSync, constants, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadScenario, ScenarioError } from '../../../core/sim/loader';
import { resultSummary, type SimResult } from '../../../core/sim/results';
import { ConfigError, loadConfig, type LoadedConfig } from '../../config/load';
import { renderReport } from '../../simulate/report';
import { runSimulation } from '../../simulate/runner';
import { isStrategyName, STRATEGIES, STRATEGY_NAMES, type StrategyName } from '../../strategies/registry';
import { CliError } from '../errors';

const f = (x: number, d = 2) => x.toFixed(d);

export function formatResult(r: SimResult): string {
  const lines = [
    `scenario ${r.scenario}, mode ${r.mode}, seed ${r.seed}, ${f(r.duration_s / 60, 0)} min simulated in ${f(r.wall_ms ?? 0, 0)} ms`,
    `throughput total        ${f(r.throughput_total, 1)} responses/s (${f(r.responses_total, 0)} of ${f(r.requests_total, 0)} requests, ${f(r.dropped_total, 0)} dropped)`,
    `response time           mean ${f(r.response_time_mean_s, 3)} s, p95 ${f(r.response_time_p95_s, 3)} s`,
    `response time/request   p95 ${f(r.response_time_p95_request_s, 3)} s (dropped requests count as the 30 s client timeout)`,
    `SLA violations          ${f(r.sla_violation_vm_minutes, 1)} VM-minutes`,
    `migrations              ${r.migrations} (failed ${r.migrations_failed}, ping-pongs ${r.ping_pongs}), mean ${f(r.migration_time_mean_s, 1)} s, downtime ${f(r.migration_downtime_mean_ms, 0)} ms`,
    `returns                 ${r.returns} (${r.returns_within_30min} within 30 min); ${f(r.migration_cost_vm_seconds, 0)} VM-seconds spent migrating; ${r.migrations_declined} moves declined (cost ≥ relief)`,
    `local actions           ${r.local_actions}`,
    `host CPU stddev         ${f(r.host_cpu_stddev, 3)} over time (per host), ${f(r.host_cpu_imbalance, 3)} across hosts`,
    '',
    'per VM:',
  ];
  const w = Math.max(4, ...r.vms.map((v) => v.vm.length));
  for (const v of r.vms) {
    const move = v.hostStart === v.hostEnd ? v.hostEnd : `${v.hostStart} → ${v.hostEnd}`;
    lines.push(
      `  ${v.vm.padEnd(w)}  ${v.workload.padEnd(12)} ${f(v.throughput, 1).padStart(7)} resp/s  rate ${f(v.responseRate * 100, 1).padStart(5)} %  ` +
        `rt ${v.responseTimeMeanSeconds === null ? '   -  ' : f(v.responseTimeMeanSeconds, 3)} s  SLA ${f(v.slaViolationMinutes, 1).padStart(5)} min  ${move}`,
    );
  }
  return lines.join('\n');
}

/** What the `--json` fields mean (shown by `vmpilot simulate --help`). */
export const METRICS_HELP = `
Result fields (--json; SPEC §11 fields first, more after them):
  throughput_total             responses per second over the run, all web VMs
  response_time_mean_s         mean response time over responses
  response_time_p95_s          p95 of the per-step mean response time of each VM, weighted by
                               the responses of that step (a queue's mean, not per request)
  response_time_p95_request_s  p95 over requests: each request's service time plus its own
                               wait; a dropped request counts as the 30 s client timeout
  sla_violation_vm_minutes     VM-minutes missing the SLA (web: a drop or a response time above
                               the target; others: less than the delivered fraction of demand)
  dropped_requests             requests never answered (client timeout or full queue);
                               same number as dropped_total
  migrations                   completed live migrations
  ping_pongs                   a move A→B right after B→A, within 5 global rounds
  returns                      completed migrations taking a VM back to a host it had been
                               on before, at any time
  returns_within_30min         returns to a host the VM had left at most 30 minutes before
  migration_cost_vm_seconds    summed duration of every migration started (completed, aborted
                               or still running), downtime included: VM-seconds spent moving
  migrations_declined          moves vmpilot's planner considered and declined because their
                               modelled cost was not below their modelled relief (see --declined)
  host_cpu_stddev              mean over hosts of the stddev over time of per-minute CPU use
  host_cpu_imbalance           mean over minutes of the stddev across hosts of CPU use
`;

/** `gl` or `nontuning,local,global,gl`: each a known mode, none twice. */
export function parseModes(arg: string): StrategyName[] {
  const modes = arg.split(',').map((m) => m.trim());
  for (const m of modes)
    if (!isStrategyName(m))
      throw new CliError(`unknown mode "${m}" (expected one of ${STRATEGY_NAMES.join(', ')})`, 2);
  const dup = modes.find((m, i) => modes.indexOf(m) !== i);
  if (dup !== undefined) throw new CliError(`mode "${dup}" given twice in --mode`, 2);
  return modes as StrategyName[];
}

function writeJsonLines(file: string, rows: readonly unknown[], what: string): void {
  try {
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  } catch (e) {
    throw new CliError(`cannot write ${what} file ${file}`, 1, { cause: e });
  }
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run a scenario on the simulated cluster under one tuning mode and report the results')
    .requiredOption(
      '-s, --scenario <name|file>',
      'shipped scenario name (e.g. seed-experiment), sim://NAME, or a YAML file',
    )
    .requiredOption(
      '-m, --mode <mode[,mode…]>',
      `strategy: ${STRATEGY_NAMES.map((n) => `${n} (${STRATEGIES[n].describe})`).join('; ')}. ` +
        'Several, comma-separated (the seed experiment: nontuning,local,global,gl), run one after the other on the same scenario and seed; --json then prints one line per mode',
    )
    .addHelpText('after', METRICS_HELP)
    .option('--json', 'print one JSON object (SPEC §11 fields first; see "Result fields" below)')
    .option('--seed <n>', "seed for the random traces (default: the scenario's)")
    .option(
      '--config <file>',
      "the service config to run with (planner and applier sections; its hypervisors are replaced by the scenario's simulated cluster)",
    )
    .option(
      '--events <file>',
      'write every tuning event the applier journalled as one JSON line (TuningEvent shape)',
    )
    .option(
      '--declined <file>',
      'write every migration the planner declined (cost not below relief) as one JSON line: at, vm, from, to, reason',
    )
    .option(
      '--report <file.html>',
      'write a self-contained HTML report plotting the run(s): throughput and response time over time per mode, SLA minutes and response rate per VM, host CPU over time, migration timeline',
    )
    .action(
      async (opts: {
        scenario: string;
        mode: string;
        json?: boolean;
        seed?: string;
        config?: string;
        events?: string;
        declined?: string;
        report?: string;
      }) => {
        const modes = parseModes(opts.mode);
        if (modes.length > 1 && (opts.events || opts.declined))
          throw new CliError('--events and --declined take one --mode (they hold one run)', 2);
        let seed: number | undefined;
        if (opts.seed !== undefined) {
          seed = Number(opts.seed);
          if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${opts.seed}"`, 2);
        }
        let scenario;
        try {
          scenario = loadScenario(opts.scenario);
        } catch (e) {
          if (e instanceof ScenarioError) throw new CliError(e.message, 1, { cause: e });
          throw e;
        }
        // Fail before the runs, not after minutes of them.
        if (opts.report) {
          try {
            accessSync(path.dirname(path.resolve(opts.report)), constants.W_OK);
          } catch (e) {
            throw new CliError(`cannot write report file ${opts.report}: its directory is not writable`, 1, {
              cause: e,
            });
          }
        }
        let config: LoadedConfig | undefined;
        if (opts.config) {
          try {
            config = { ...loadConfig(opts.config), hypervisors: [`sim://${scenario.name}`] };
          } catch (e) {
            if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
            throw e;
          }
        }
        const results: SimResult[] = [];
        for (const mode of modes) {
          const started = performance.now();
          const { result, events, declined } = await runSimulation(scenario, mode, {
            seed,
            ...(config ? { config } : {}),
          });
          result.wall_ms = performance.now() - started;
          results.push(result);
          if (opts.events) writeJsonLines(opts.events, events, 'events');
          if (opts.declined) writeJsonLines(opts.declined, declined, 'declined-moves');
          if (opts.json) process.stdout.write(`${JSON.stringify(resultSummary(result))}\n`);
          else
            process.stdout.write(
              `${modes.length > 1 && results.length > 1 ? '\n' : ''}${formatResult(result)}\n`,
            );
        }
        if (opts.report) {
          const html = renderReport(results);
          try {
            writeFileSync(opts.report, html);
          } catch (e) {
            throw new CliError(`cannot write report file ${opts.report}`, 1, { cause: e });
          }
          if (!opts.json) process.stdout.write(`report written to ${opts.report}\n`);
        }
      },
    );
}
