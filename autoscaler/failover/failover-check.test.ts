// failover.check(): the libvirt heartbeat of every known host runs at most
// HYPERVISOR_READ_CONCURRENCY at a time (as the round's read-back does), and still reaches
// every host: those that answer are returned, a failing one is not.
import pino from 'pino';
import type { HostInfo, HypervisorPort } from '../../core/hypervisor/port';
import { failoverConfigSchema } from '../config/failover';
import { HYPERVISOR_READ_CONCURRENCY } from '../service/enrich';
import { MemoryDefinitionStore } from './definitions';
import { Failover } from './failover';

it('heartbeats every host with bounded concurrency', async () => {
  const hosts = Array.from({ length: 40 }, (_, i) => `h${i}`);
  let inFlight = 0;
  let maxInFlight = 0;
  const asked: string[] = [];
  // Only getHostInfo is used by check(); answers come after a delay so calls overlap.
  const port = {
    getHostInfo: async (h: string) => {
      asked.push(h);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      if (h === 'h7') throw new Error('libvirt: connection refused');
      return { name: h } as HostInfo;
    },
  } as unknown as HypervisorPort;
  const f = new Failover({
    config: failoverConfigSchema.parse({ k: 2, n: 3, heartbeatTimeoutSeconds: 1 }),
    port,
    definitions: new MemoryDefinitionStore(),
    log: pino({ level: 'silent' }),
    clock: Date.now,
    callTimeoutMs: 1000,
    priorityOf: () => undefined,
    configOrderOf: () => undefined,
  });
  const answered = await f.check(hosts, []);
  expect(maxInFlight).toBe(HYPERVISOR_READ_CONCURRENCY);
  expect([...asked].sort()).toEqual([...hosts].sort());
  expect([...answered].sort()).toEqual(hosts.filter((h) => h !== 'h7').sort());
});
