// The hypervisor read-back (enrich.ts): bounded concurrency, a deadline per call, and a
// result that does not depend on the order the answers came in.
import pino from 'pino';
import type { VmRef } from '../../core/hypervisor/port';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { FakePort } from '../../test/autoscaler/fake-port';
import type { HeldHost } from '../sources/source';
import { enrichSnapshot } from './enrich';

const log = pino({ level: 'silent' });
const HOSTS = 30;
const VMS_PER_HOST = 3;
const hostName = (i: number) => `h${String(i).padStart(2, '0')}`;

/** A snapshot as Prometheus would give it: no allocations, no free memory. */
function snapshotOf(port: FakePort): ClusterSnapshot {
  const hosts = [...port.hosts.keys()];
  return {
    at: 0,
    intervalSeconds: 15,
    hosts: hosts.map((name) => ({
      name,
      cpus: 4,
      capacity: { cpu: 4, mem: 8 * 2 ** 30, disk: 1e8, net: 1e8 },
      usageHistory: [{ cpu: 1, mem: 2 ** 30, disk: 0, net: 0 }],
      up: true,
      ageSeconds: 1,
    })),
    vms: hosts.flatMap((h) =>
      [...port.hosts.get(h)!.vms.keys()].map((name) => ({
        name,
        host: h,
        state: 'running' as const,
        vcpus: 2,
        memoryBytes: 2 ** 30,
        workload: 'web' as const,
        usageHistory: [{ cpu: 0.5, mem: 2 ** 29, disk: 0, net: 0 }],
        allocation: {},
      })),
    ),
  };
}

/**
 * A fake whose reads take a few timer turns each (a different number per call, so answers
 * come back out of order) and that counts the calls in flight; `hang` names calls that never answer.
 */
class SlowPort extends FakePort {
  inFlight = 0;
  maxInFlight = 0;
  started: string[] = [];
  hang: (what: string) => boolean = () => false;
  private n = 0;

  private async slow<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.started.push(what);
    if (this.hang(what)) return new Promise<T>(() => undefined);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const turns = (this.n++ * 7) % 5;
      for (let i = 0; i <= turns; i++) await new Promise((r) => setImmediate(r));
      return await work();
    } finally {
      this.inFlight--;
    }
  }
  override getHostInfo(host: string) {
    return this.slow(`getHostInfo ${host}`, () => super.getHostInfo(host));
  }
  override listVms(host: string) {
    return this.slow(`listVms ${host}`, () => super.listVms(host));
  }
  override getCpuTune(ref: VmRef) {
    return this.slow(`getCpuTune ${ref.name}`, () => super.getCpuTune(ref));
  }
}

function cluster<P extends FakePort>(port: P): P {
  for (let i = 0; i < HOSTS; i++) {
    port.addHost(hostName(i), 8, 16 * 2 ** 30);
    for (let j = 0; j < VMS_PER_HOST; j++)
      port.addVm(hostName(i), `vm${i}-${j}`, {
        vcpus: 1 + ((i + j) % 3),
        memoryBytes: (1 + j) * 2 ** 29,
        shares: 512 + 64 * i + j,
        cap: { periodUs: 100_000, quotaUs: j === 1 ? 50_000 : -1 },
      });
  }
  // The metrics lag a move: vm3-0 already runs on h04.
  const moved = port.hosts.get(hostName(3))!.vms.get('vm3-0')!;
  port.hosts.get(hostName(3))!.vms.delete('vm3-0');
  port.hosts.get(hostName(4))!.vms.set('vm3-0', moved);
  return port;
}

/** The snapshot as the metrics give it (vm3-0 still on h03, where it ran before its move). */
function laggingSnapshot(port: FakePort): ClusterSnapshot {
  const s = snapshotOf(port);
  const vm = s.vms.find((v) => v.name === 'vm3-0')!;
  vm.host = hostName(3);
  return s;
}

describe('enrichSnapshot', () => {
  it('never has more than `concurrency` hypervisor reads in flight, and does have that many', async () => {
    const port = cluster(new SlowPort());
    const snapshot = laggingSnapshot(port);
    await enrichSnapshot({ port, log, timeoutMs: 5000, concurrency: 4 }, snapshot, []);
    expect(port.maxInFlight).toBe(4);
    // Every host and VM was read: 2 reads per host, 1 per VM.
    expect(port.started).toHaveLength(HOSTS * 2 + HOSTS * VMS_PER_HOST);
    expect(snapshot.vms.every((v) => v.allocation.cpuShares !== undefined)).toBe(true);
  });

  it('gives the same snapshot whatever the concurrency and the order of the answers', async () => {
    const serialPort = cluster(new FakePort());
    const serial = laggingSnapshot(serialPort);
    await enrichSnapshot({ port: serialPort, log, timeoutMs: 5000, concurrency: 1 }, serial, []);
    const shuffledPort = cluster(new SlowPort());
    const shuffled = laggingSnapshot(shuffledPort);
    await enrichSnapshot({ port: shuffledPort, log, timeoutMs: 5000, concurrency: 16 }, shuffled, []);
    expect(shuffled).toEqual(serial);
    // It has teeth: the hypervisor's view replaced the metrics' one.
    const vm = serial.vms.find((v) => v.name === 'vm3-0')!;
    expect(vm.host).toBe(hostName(4));
    const v = serial.vms.find((x) => x.name === 'vm7-1')!;
    expect(v.allocation).toEqual({
      vcpus: 1 + ((7 + 1) % 3),
      balloonBytes: 2 * 2 ** 29,
      cpuShares: 512 + 64 * 7 + 1,
      cpuPeriodUs: 100_000,
      cpuQuotaUs: 50_000,
    });
    expect(serial.hosts.every((h) => typeof h.memoryFreeBytes === 'number')).toBe(true);
  });

  it('holds a host whose hypervisor hangs after the deadline, and reads every other host', async () => {
    const port = cluster(new SlowPort());
    port.hang = (what) => what === `getHostInfo ${hostName(5)}` || what === `listVms ${hostName(9)}`;
    const snapshot = laggingSnapshot(port);
    const held: HeldHost[] = [];
    // Deadlines are generous: only the hung calls may reach them, on a loaded machine too.
    await enrichSnapshot({ port, log, timeoutMs: 1000, concurrency: 2 }, snapshot, held);
    expect(held).toEqual([
      {
        host: hostName(5),
        code: 'hypervisor_unreachable',
        reason: `hypervisor unreachable: getHostInfo ${hostName(5)}: no answer within 1000 ms`,
      },
      {
        host: hostName(9),
        code: 'hypervisor_unreachable',
        reason: `hypervisor unreachable: listVms ${hostName(9)}: no answer within 1000 ms`,
      },
    ]);
    for (const h of snapshot.hosts) {
      const down = h.name === hostName(5) || h.name === hostName(9);
      expect(h.up).toBe(!down);
      expect(h.memoryFreeBytes === undefined).toBe(down);
    }
    // The VMs of the answering hosts got their CPU tune.
    const answering = snapshot.vms.filter((v) => v.host !== hostName(5) && v.host !== hostName(9));
    expect(answering.every((v) => v.allocation.cpuShares !== undefined)).toBe(true);
  });

  it('a hung CPU-tune read costs one deadline: the other VMs get theirs', async () => {
    const port = cluster(new SlowPort());
    port.hang = (what) => what === 'getCpuTune vm2-1';
    const snapshot = laggingSnapshot(port);
    const held: HeldHost[] = [];
    // A deadline long enough for the other 89 reads to pass through the second slot first.
    await enrichSnapshot({ port, log, timeoutMs: 2000, concurrency: 2 }, snapshot, held);
    expect(held).toEqual([]);
    const untuned = snapshot.vms.filter((v) => v.allocation.cpuShares === undefined).map((v) => v.name);
    expect(untuned).toEqual(['vm2-1']);
    // The rest of the read-back is complete: hosts, vCPUs, balloon.
    expect(snapshot.vms.every((v) => v.allocation.vcpus !== undefined)).toBe(true);
    expect(snapshot.hosts.every((h) => h.up && h.memoryFreeBytes !== undefined)).toBe(true);
  });

  it('stops reading CPU tunes once they fail: a hypervisor that hangs on all costs one deadline, not one per VM', async () => {
    const port = cluster(new SlowPort());
    port.hang = (what) => what.startsWith('getCpuTune');
    const snapshot = laggingSnapshot(port);
    await enrichSnapshot({ port, log, timeoutMs: 1000, concurrency: 3 }, snapshot, []);
    // The first three reads hung until their deadline; none was started after them.
    expect(port.started.filter((s) => s.startsWith('getCpuTune'))).toHaveLength(3);
    expect(snapshot.vms.some((v) => v.allocation.cpuShares !== undefined)).toBe(false);
    expect(snapshot.vms.every((v) => v.allocation.vcpus !== undefined)).toBe(true);
  });

  it('does not read hosts that are already held', async () => {
    const port = cluster(new SlowPort());
    const snapshot = laggingSnapshot(port);
    await enrichSnapshot({ port, log, timeoutMs: 5000 }, snapshot, [
      { host: hostName(0), code: 'stale', reason: 'stale' },
    ]);
    expect(port.started.filter((s) => s.endsWith(` ${hostName(0)}`))).toEqual([]);
  });
});
