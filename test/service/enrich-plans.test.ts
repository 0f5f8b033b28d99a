// Issue 15 item 4: the hypervisor read-back runs its calls concurrently (autoscaler/service/
// enrich.ts). What a round computes must not depend on that: on a simulated cluster, the
// service plans the same round from the same metrics whether the hypervisor answers in call
// order or shuffled (each read delayed by a different number of event-loop turns).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../../autoscaler/config/load';
import { MemoryEventLog } from '../../autoscaler/journal/event-log';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { AutoscalerService } from '../../autoscaler/service/service';
import { MemorySource } from '../../autoscaler/sources/memory';
import { HypervisorError } from '../../core/hypervisor/errors';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { openSim } from '../../core/sim/adapter';

const T0 = 1_700_000_000_000;
const READS = new Set(['getHostInfo', 'listVms', 'getCpuTune']);

/** The same port, its reads answered out of order: read n waits (n × 7) mod 5 + 1 turns. */
function shuffling(port: HypervisorPort): HypervisorPort {
  let n = 0;
  return new Proxy(port, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      if (!READS.has(String(prop))) return v.bind(target);
      return async (...args: unknown[]) => {
        const turns = (n++ * 7) % 5;
        for (let i = 0; i <= turns; i++) await new Promise((r) => setImmediate(r));
        return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** The same port, with the hypervisors of `hosts` unreachable. */
function unreachable(port: HypervisorPort, hosts: readonly string[]): HypervisorPort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      if (prop !== 'getHostInfo') return v.bind(target);
      return async (host: string, ...rest: unknown[]) => {
        if (hosts.includes(host)) throw new HypervisorError('unreachable', `${host} does not answer`);
        return (v as (...a: unknown[]) => Promise<unknown>).apply(target, [host, ...rest]);
      };
    },
  });
}

/** What Prometheus would say: no allocations or free memory, and two moves not seen yet. */
function lagging(truth: ClusterSnapshot): ClusterSnapshot {
  const s = structuredClone(truth);
  for (const h of s.hosts) delete h.memoryFreeBytes;
  for (const v of s.vms) {
    v.allocation = {};
    delete v.maxVcpus;
  }
  const names = s.hosts.map((h) => h.name);
  for (const v of s.vms.filter((x) => x.state === 'running').slice(0, 2))
    v.host = names[(names.indexOf(v.host) + 1) % names.length];
  return s;
}

describe('hypervisor read-back through the service', () => {
  it('plans the same round whatever order the hypervisor answers come in', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-enrich-plans-'));
    let now = T0;
    const sim = await openSim('sim://large-heterogeneous', { clock: () => now });
    try {
      now += 600_000;
      const truth = await sim.snapshot();
      const config = validateConfig({ hypervisors: ['sim://large-heterogeneous'] }, 'test', dir);
      const round = (port: HypervisorPort) =>
        new AutoscalerService({
          config,
          port,
          source: new MemorySource(() => lagging(truth)),
          journal: new MemoryEventLog(),
          metrics: new ServiceMetrics({ processMetrics: false }),
          log: pino({ level: 'silent' }),
        }).planRound('both', now);

      // Two hosts do not answer: their holds come in snapshot order, not in answer order.
      const down = [truth.hosts[2].name, truth.hosts[5].name];
      const inOrder = await round(unreachable(sim, down));
      const shuffled = await round(shuffling(unreachable(sim, down)));
      expect(shuffled.plan).toEqual(inOrder.plan);
      expect(shuffled.observation?.snapshot).toEqual(inOrder.observation?.snapshot);

      // It has teeth: the round plans something, and the read-back put the hypervisor's view
      // back (the moved VMs on their real hosts, every running VM's CPU tune, free memory).
      expect(inOrder.plan.actions.length).toBeGreaterThan(0);
      expect(inOrder.plan.held.filter((h) => h.code === 'hypervisor_unreachable').map((h) => h.host)).toEqual(
        down,
      );
      const seen = inOrder.observation!.snapshot;
      const answered = (host: string) => !down.includes(host);
      for (const v of truth.vms.filter((x) => x.state === 'running' && answered(x.host))) {
        const got = seen.vms.find((x) => x.name === v.name)!;
        expect(got.host).toBe(v.host);
        expect(got.allocation.cpuShares).toEqual(expect.any(Number));
        expect(got.allocation.vcpus).toBe(v.vcpus);
      }
      for (const h of seen.hosts) expect(typeof h.memoryFreeBytes === 'number').toBe(answered(h.name));
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
