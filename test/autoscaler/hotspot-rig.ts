// One service set-up shared by the suites that drive the real planner through a known
// hotspot (journal on a full disk, the plausibility gate, the fuzz suite): host "a" at
// 3.9 of 4 cores with web1 and web2 busy, host "b" nearly idle with "idle" on it, a
// FakePort holding the same VMs, a file journal and silent logs.
import path from 'node:path';
import pino from 'pino';
import type { ClusterSnapshot, HostSnapshot, VmSnapshot } from '../../core/model/snapshot';
import type { AlertInbox } from '../../autoscaler/alerts/inbox';
import { validateConfig } from '../../autoscaler/config/load';
import { Journal } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { AutoscalerService } from '../../autoscaler/service/service';
import { MemorySource } from '../../autoscaler/sources/memory';
import type { Strategy } from '../../autoscaler/strategies/strategy';
import { FakePort } from './fake-port';

const GiB = 2 ** 30;
const POINTS = 5;

export interface HotspotOptions {
  /** A third VM on "a" with no CPU use (the plausibility cases damage it). */
  web3?: boolean;
}

/** The planner's view: host "a" over its threshold on CPU, "b" with room. */
export function hotspotSnapshot(now: number, o: HotspotOptions = {}): ClusterSnapshot {
  const host = (name: string, cpu: number, mem: number): HostSnapshot => ({
    name,
    cpus: 4,
    capacity: { cpu: 4, mem: 16 * GiB, disk: 1e8, net: 1e8 },
    usageHistory: Array.from({ length: POINTS }, () => ({ cpu, mem, disk: 0, net: 0 })),
    up: true,
    ageSeconds: 1,
  });
  const vm = (name: string, on: string, cpu: number): VmSnapshot => ({
    name,
    host: on,
    state: 'running',
    vcpus: 2,
    memoryBytes: 2 * GiB,
    workload: 'cpu',
    usageHistory: Array.from({ length: POINTS }, () => ({ cpu, mem: GiB, disk: 0, net: 0 })),
    allocation: { vcpus: 2, balloonBytes: 2 * GiB },
  });
  const vms = [vm('web1', 'a', 1.95), vm('web2', 'a', 1.95)];
  if (o.web3) vms.push(vm('web3', 'a', 0));
  vms.push(vm('idle', 'b', 0.2));
  return { at: now, intervalSeconds: 15, hosts: [host('a', 3.9, 3 * GiB), host('b', 0.2, GiB)], vms };
}

export interface HotspotServiceOptions extends HotspotOptions {
  /** Directory of the journal (`journal.jsonl` in it) and of the config. */
  dir: string;
  /** Changes each snapshot after it is made (one implausible number, say). */
  damage?: (s: ClusterSnapshot) => void;
  strategy?: Strategy;
  alerts?: AlertInbox;
  applier?: { migrationTimeoutSeconds: number; callTimeoutSeconds: number };
}

/** The real service (planner, applier, journal) on the hotspot, acting on a FakePort. */
export function hotspotService(o: HotspotServiceOptions) {
  const config = validateConfig(
    {
      hypervisors: ['sim://unused'],
      journal: path.join(o.dir, 'journal.jsonl'),
      planner: { t2Seconds: 15, t1Seconds: 30 },
      ...(o.applier ? { applier: o.applier } : {}),
    },
    'test',
    o.dir,
  );
  const port = new FakePort()
    .addHost('a', 4, 16 * GiB)
    .addHost('b', 4, 16 * GiB)
    .addVm('a', 'web1', { vcpus: 2 })
    .addVm('a', 'web2', { vcpus: 2 });
  if (o.web3) port.addVm('a', 'web3', { vcpus: 2 });
  port.addVm('b', 'idle', { vcpus: 2, memoryBytes: 2 * GiB });
  const { journal } = Journal.open(config.journal);
  const metrics = new ServiceMetrics({ processMetrics: false });
  const service = new AutoscalerService({
    config,
    port,
    source: new MemorySource((now) => {
      const s = hotspotSnapshot(now, o);
      o.damage?.(s);
      return s;
    }),
    journal,
    metrics,
    log: pino({ level: 'silent' }),
    ...(o.strategy ? { strategy: o.strategy } : {}),
    ...(o.alerts ? { alerts: o.alerts } : {}),
  });
  return { config, port, journal, metrics, service };
}
