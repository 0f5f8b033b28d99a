// Benchmark of whole simulations (`npm run bench -- simulate`): the production path on a
// virtual clock (service + applier + strategy + simulated cluster), timed per mode on the
// 40-minute seed experiment (target < 5 s each) and on a generated 24-host / 240-VM
// 40-minute cluster (target < 10 s). The generated cluster comes from a fixed seed, so every
// run simulates the same thing. Last line: one JSON object.
import os from 'node:os';
import { runSimulation } from '../autoscaler/simulate/runner';
import { STRATEGY_NAMES } from '../autoscaler/strategies/registry';
import { loadScenario, parseScenario } from '../core/sim/loader';
import { mulberry32 } from '../core/sim/prng';
import type { Scenario } from '../core/sim/scenario';

/** 24 hosts (two sizes), 10 VMs each of every workload kind; every sixth host starts hot. */
function largeCluster(hosts = 24, perHost = 10, seed = 5): Scenario {
  const rng = mulberry32(seed);
  const kinds = ['web', 'web', 'web', 'cpu', 'memory-dirty', 'disk', 'net', 'mixed'] as const;
  const vms = [];
  for (let h = 0; h < hosts; h++) {
    for (let i = 0; i < perHost; i++) {
      const workload = kinds[Math.floor(rng() * kinds.length)];
      const hot = h % 6 === 0 ? 2 : 1;
      const name = `vm-${h}-${i}`;
      const common = { name, host: `host-${h}`, vcpus: 2, memory: '1GiB' };
      if (workload === 'web')
        vms.push({
          ...common,
          workload,
          demand: {
            requests: { kind: 'random-walk', start: 15 * hot + 10 * rng(), stepStddev: 3, min: 0 },
          },
        });
      else
        vms.push({
          ...common,
          workload,
          demand: {
            cpu: { kind: 'random-walk', start: 0.3 * hot + 0.4 * rng(), stepStddev: 0.05, min: 0, max: 2 },
            memory: { kind: 'constant', value: (256 + 256 * rng()) * 1024 ** 2 },
          },
        });
    }
  }
  return parseScenario(
    {
      name: 'bench-24x240',
      seed,
      durationSeconds: 2400,
      hosts: Array.from({ length: hosts }, (_, h) => ({
        name: `host-${h}`,
        cpus: h % 2 === 0 ? 8 : 16,
        memory: h % 2 === 0 ? '16GiB' : '32GiB',
      })),
      vms,
    },
    'bench',
  );
}

async function timeRun(scenario: Scenario, mode: (typeof STRATEGY_NAMES)[number]) {
  const t0 = performance.now();
  const { result, events } = await runSimulation(scenario, mode);
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${scenario.name} (${scenario.durationSeconds / 60} min, ${scenario.hosts.length} hosts, ` +
      `${scenario.vms.length} VMs), ${mode}: ${s.toFixed(2)} s wall, ${events.length} events, ` +
      `migrations ${result.migrations}`,
  );
  return s;
}

async function main(): Promise<void> {
  const seedExperiment: Record<string, number> = {};
  const seed = loadScenario('seed-experiment');
  for (const mode of STRATEGY_NAMES) seedExperiment[mode] = await timeRun(seed, mode);
  const large = largeCluster();
  const largeRuns: Record<string, number> = {};
  for (const mode of ['gl', 'sandpiper', 'drs', 'proxlb', 'clairvoyant'] as const)
    largeRuns[mode] = await timeRun(large, mode);
  console.log(
    JSON.stringify({
      bench: 'simulate',
      seed_experiment_s: seedExperiment,
      seed_experiment_max_s: Math.max(...Object.values(seedExperiment)),
      large: { hosts: large.hosts.length, vms: large.vms.length, minutes: 40, runs_s: largeRuns },
      large_max_s: Math.max(...Object.values(largeRuns)),
      load_average_1m: os.loadavg()[0],
      targets: { seed_experiment_s: 5, large_s: 10 },
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
