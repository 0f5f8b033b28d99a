// Benchmark of the planner (`npm run bench -- planner`): one global round on a synthetic
// 1,000-host / 20,000-VM cluster (target < 1 s), how that time grows at 100 / 1,000 /
// 5,000 hosts and one local round for a 100-VM host (target < 5 ms). Whole simulations
// (planner + service + applier) are timed by `npm run bench -- simulate`. Clusters are built
// from a seeded generator, so every run plans the same thing. Last line: one JSON object.
import os from 'node:os';
import { defaultPlannerConfig, type PlannerConfig } from '../autoscaler/decision/config';
import { GiB, MiB, hostOf, snapshotOf, vec, vmOf } from '../autoscaler/decision/cluster-builder';
import { planGlobalRound, planLocalRound, type PlannerInput } from '../autoscaler/decision/planner';
import type { ClusterSnapshot, VmSnapshot, WorkloadKind } from '../core/model/snapshot';
import { mulberry32 } from '../core/sim/prng';

const NOW = 1_000_000_000;
const VMS_PER_HOST = 20;
const KINDS: WorkloadKind[] = ['web', 'cpu', 'memory-dirty', 'disk', 'net', 'mixed'];

/**
 * `hosts` hosts of 32 cores / 128 GiB with `perHost` VMs each; one host in ten is driven
 * over `high` on CPU, the rest run at 30–70 %, with five noisy observations per VM.
 */
function syntheticCluster(hosts: number, perHost: number, seed = 7): ClusterSnapshot {
  const rng = mulberry32(seed);
  const hs = [];
  const vms: VmSnapshot[] = [];
  for (let h = 0; h < hosts; h++) {
    const name = `host-${h}`;
    hs.push(hostOf(name, 32, 128, undefined, { maintenance: h === 3 || undefined }));
    const hostCpu = 32 * (h % 10 === 0 ? 0.9 + 0.08 * rng() : 0.3 + 0.4 * rng());
    for (let i = 0; i < perHost; i++) {
      const cpu = (hostCpu / perHost) * (0.5 + rng());
      const base = vec(cpu, (2 + 4 * rng()) * GiB, 5 * MiB * rng(), 4 * MiB * rng());
      const kind = KINDS[Math.floor(rng() * KINDS.length)];
      vms.push({
        ...vmOf(`vm-${h}-${i}`, name, base, {
          workload: kind,
          vcpus: 2 + Math.floor(rng() * 4),
          memoryBytes: 8 * GiB,
          dirtyRateBytesPerSecond: kind === 'memory-dirty' ? 80 * MiB : 5 * MiB * rng(),
          cacheMissesPerKiloInstruction: 20 * rng(),
          netRxBytesPerSecond: base.net / 2,
          netTxBytesPerSecond: base.net / 2,
          web: kind === 'web' ? { requestsPerSecond: 100, throughputPerSecond: 90 + 10 * rng() } : undefined,
          devices: { disks: ['vda'], nics: ['eth0'] },
          allocation: { cpuShares: 1024, balloonBytes: 8 * GiB },
        }),
        usageHistory: Array.from({ length: 5 }, () => ({
          ...base,
          cpu: cpu * (0.9 + 0.2 * rng()),
        })),
      });
    }
  }
  return snapshotOf(hs, vms, NOW);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median wall time (s) of `runs` calls after one warm-up, and the median CPU time of this
 * process over the same calls (on a shared, busy machine wall time includes waiting).
 */
function timeBoth(runs: number, fn: () => unknown): { wall: number; cpu: number } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function input(snapshot: ClusterSnapshot, config: PlannerConfig): PlannerInput {
  return { snapshot, config, history: { migrations: [] }, now: NOW };
}

function main(): void {
  const config = defaultPlannerConfig();

  const scaling: {
    hosts: number;
    vms: number;
    global_round_s: number;
    global_round_cpu_s: number;
    actions: number;
  }[] = [];
  for (const hosts of [100, 1000, 5000]) {
    const snap = syntheticCluster(hosts, VMS_PER_HOST);
    const plan = planGlobalRound(input(snap, config));
    const t = timeBoth(hosts >= 5000 ? 3 : 5, () => planGlobalRound(input(snap, config)));
    scaling.push({
      hosts,
      vms: snap.vms.length,
      global_round_s: t.wall,
      global_round_cpu_s: t.cpu,
      actions: plan.actions.length,
    });
    console.log(
      `global round, ${hosts} hosts / ${snap.vms.length} VMs: ${(t.wall * 1000).toFixed(1)} ms wall, ` +
        `${(t.cpu * 1000).toFixed(1)} ms CPU (${plan.actions.length} migration)`,
    );
  }
  const at1000 = scaling.find((x) => x.hosts === 1000) as (typeof scaling)[number];

  const one = syntheticCluster(1, 100, 11);
  const localPlan = planLocalRound(input(one, config));
  const local = timeBoth(200, () => planLocalRound(input(one, config)));
  console.log(
    `local round, one host with 100 VMs: ${(local.wall * 1000).toFixed(3)} ms wall, ` +
      `${(local.cpu * 1000).toFixed(3)} ms CPU (${localPlan.actions.length} actions)`,
  );

  console.log(
    JSON.stringify({
      bench: 'planner',
      global_round_s: at1000.global_round_s,
      global_round_cpu_s: at1000.global_round_cpu_s,
      hosts: at1000.hosts,
      vms: at1000.vms,
      local_round_s: local.wall,
      local_round_cpu_s: local.cpu,
      load_average_1m: os.loadavg()[0],
      local_round_vms: 100,
      scaling,
      targets: { global_round_s: 1, local_round_s: 0.005 },
    }),
  );
}

main();
