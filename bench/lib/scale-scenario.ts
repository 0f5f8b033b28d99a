// Simulated clusters of any size for the scale bench and the per-host exporter tests: a
// seeded generator writes `hosts` hosts of 32 cores / 128 GiB with `vmsPerHost` VMs each
// (every workload kind; one host in ten driven hot), then cuts the cluster into slices,
// each a scenario file of its own (`sim:///abs/slice-N.yaml`) served by one exporter. The
// slices share nothing at run time: an exporter's simulator advances only its own hosts,
// which is what separate exporters on separate KVM hosts do.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { mulberry32 } from '../../core/sim/prng';

const KINDS = ['web', 'cpu', 'memory-dirty', 'disk', 'net', 'mixed'] as const;

export interface ScaleHost {
  name: string;
  cpus: number;
  memory: string;
}
export interface ScaleVm {
  name: string;
  host: string;
  workload: (typeof KINDS)[number];
  vcpus: number;
  memory: string;
  demand: Record<string, number | string>;
}

export interface ScaleCluster {
  hosts: ScaleHost[];
  vms: ScaleVm[];
}

/** Host names `h-0000`…; VM names `vm-0000-00`…, unique across the cluster. */
export function scaleCluster(hosts: number, vmsPerHost: number, seed = 15): ScaleCluster {
  const rng = mulberry32(seed);
  const hs: ScaleHost[] = [];
  const vms: ScaleVm[] = [];
  for (let h = 0; h < hosts; h++) {
    const host = `h-${String(h).padStart(4, '0')}`;
    hs.push({ name: host, cpus: 32, memory: '128GiB' });
    const hostLoad = h % 10 === 0 ? 0.95 : 0.3 + 0.4 * rng();
    for (let i = 0; i < vmsPerHost; i++) {
      const workload = KINDS[Math.floor(rng() * KINDS.length)];
      const cpu = Math.round(((32 * hostLoad) / vmsPerHost) * (0.5 + rng()) * 100) / 100;
      const demand: Record<string, number | string> =
        workload === 'web'
          ? { requests: Math.round(cpu / 0.02) }
          : { cpu, memory: `${1 + Math.floor(rng() * 4)}GiB` };
      if (workload === 'disk') demand.diskRead = '5MiB';
      if (workload === 'net') demand.netTx = '4MiB';
      vms.push({
        name: `vm-${String(h).padStart(4, '0')}-${String(i).padStart(2, '0')}`,
        host,
        workload,
        vcpus: 2 + Math.floor(rng() * 4),
        memory: '6GiB',
        demand,
      });
    }
  }
  return { hosts: hs, vms };
}

/** The scenario document of some hosts of a cluster (and their VMs). */
export function scenarioOf(name: string, cluster: ScaleCluster, hostNames?: ReadonlySet<string>): string {
  const keep = (h: string) => !hostNames || hostNames.has(h);
  return stringify({
    name,
    description: `generated: ${cluster.hosts.length} hosts (scale bench / per-host exporter tests)`,
    seed: 15,
    durationSeconds: 86400,
    // A 5 s physics step: the exporters' simulators cost CPU per VM and step, and the bench
    // measures the autoscaler beside them on the same two cores.
    stepSeconds: 5,
    observeSeconds: 10,
    hosts: cluster.hosts.filter((h) => keep(h.name)),
    vms: cluster.vms.filter((v) => keep(v.host)),
  });
}

/**
 * Writes the cluster as `slices` scenario files in `dir` (hosts dealt out in contiguous
 * runs) and returns their sim:// URIs.
 */
export function writeSlices(dir: string, name: string, cluster: ScaleCluster, slices: number): string[] {
  const n = Math.max(1, Math.min(slices, cluster.hosts.length));
  const per = Math.ceil(cluster.hosts.length / n);
  const uris: string[] = [];
  for (let i = 0; i < n; i++) {
    const names = new Set(cluster.hosts.slice(i * per, (i + 1) * per).map((h) => h.name));
    if (names.size === 0) break;
    const file = path.join(dir, `${name}-slice-${i}.yaml`);
    writeFileSync(file, scenarioOf(`${name}-slice-${i}`, cluster, names));
    uris.push(`sim://${file}`);
  }
  return uris;
}
