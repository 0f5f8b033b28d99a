// The issue-12 comparison (`npm run bench -- decision-table [--seeds 3] [--scenarios a,b]`):
// every shipped scenario × every mode × N seeds (the scenario's seed, +1, +2, …) through
// the production path on the simulator. Prints one Markdown table per scenario (means over
// the seeds, SLA VM-minutes and dropped requests also as the gap to the clairvoyant
// reference: relative, or the plain difference when the reference is 0), the checks the
// issue asks for, and, last, one JSON object with every run.
import os from 'node:os';
import { runSimulation } from '../autoscaler/simulate/runner';
import { DEPLOYABLE_MODES, STRATEGY_NAMES, type StrategyName } from '../autoscaler/strategies/registry';
import { loadScenario, shippedScenarioNames } from '../core/sim/loader';
import { resultSummary, type SimResultSummary } from '../core/sim/results';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const FIELDS = [
  'sla_violation_vm_minutes',
  'dropped_requests',
  'response_time_p95_request_s',
  'migrations',
  'returns',
  'returns_within_30min',
  'migration_cost_vm_seconds',
  'migrations_declined',
] as const;
type Row = Record<(typeof FIELDS)[number], number>;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (x: number, d = 1) => x.toFixed(d);
const gap = (x: number, ref: number) =>
  ref > 0 ? `${x >= ref ? '+' : ''}${fmt(((x - ref) / ref) * 100, 0)} %` : fmt(x - ref);

async function main(): Promise<void> {
  const nSeeds = Number(arg('seeds') ?? 3);
  const scenarios = arg('scenarios')?.split(',') ?? shippedScenarioNames();
  const runs: {
    scenario: string;
    mode: StrategyName;
    seed: number;
    result: Omit<SimResultSummary, 'vms'>;
  }[] = [];
  const verdicts: string[] = [];
  const t0 = performance.now();
  for (const name of scenarios) {
    const scenario = loadScenario(name);
    const seeds = Array.from({ length: nSeeds }, (_, i) => scenario.seed + i);
    const perMode = new Map<StrategyName, Row>();
    const perSeed = new Map<string, number>();
    for (const mode of STRATEGY_NAMES) {
      const rows: Row[] = [];
      for (const seed of seeds) {
        const { result } = await runSimulation(scenario, mode, { seed });
        const { vms: _v, ...flat } = resultSummary(result);
        runs.push({ scenario: name, mode, seed, result: flat });
        rows.push(Object.fromEntries(FIELDS.map((f) => [f, result[f]])) as Row);
        perSeed.set(`${mode}/${seed}`, result.sla_violation_vm_minutes);
      }
      perMode.set(mode, Object.fromEntries(FIELDS.map((f) => [f, mean(rows.map((r) => r[f]))])) as Row);
    }
    const ref = perMode.get('clairvoyant') as Row;
    console.log(`\n### ${name} (means over seeds ${seeds.join(', ')})\n`);
    console.log(
      '| mode | SLA VM-min | vs clairvoyant | dropped | vs clairvoyant | p95/request s | migrations | returns (≤30 min) | migration VM-s | declined |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [mode, r] of perMode)
      console.log(
        `| ${mode} | ${fmt(r.sla_violation_vm_minutes)} | ${gap(r.sla_violation_vm_minutes, ref.sla_violation_vm_minutes)} | ${fmt(r.dropped_requests, 0)} | ${gap(r.dropped_requests, ref.dropped_requests)} | ${fmt(r.response_time_p95_request_s, 3)} | ${fmt(r.migrations)} | ${fmt(r.returns)} (${fmt(r.returns_within_30min)}) | ${fmt(r.migration_cost_vm_seconds, 0)} | ${fmt(r.migrations_declined)} |`,
      );
    // The checks, on the means and per seed.
    const gl = perMode.get('gl') as Row;
    const best = Math.min(...DEPLOYABLE_MODES.map((m) => (perMode.get(m) as Row).sla_violation_vm_minutes));
    const bestMode = DEPLOYABLE_MODES.find((m) => (perMode.get(m) as Row).sla_violation_vm_minutes === best);
    const within = gl.sla_violation_vm_minutes <= best * 1.05 + 1e-9;
    verdicts.push(
      `${name}: gl SLA ${fmt(gl.sla_violation_vm_minutes, 3)} vs best deployable ${fmt(best, 3)} (${bestMode}) → ${within ? 'holds' : 'DOES NOT HOLD'} (≤ 5 %); ` +
        `gl returns within 30 min ${fmt(gl.returns_within_30min)} → ${gl.returns_within_30min === 0 ? 'holds' : 'DOES NOT HOLD'}`,
    );
  }
  console.log('\n### Checks (issue 12 Must show)\n');
  for (const v of verdicts) console.log(`- ${v}`);
  console.log(
    JSON.stringify({
      bench: 'decision-table',
      seeds: nSeeds,
      wall_s: (performance.now() - t0) / 1000,
      load_average_1m: os.loadavg()[0],
      runs,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
