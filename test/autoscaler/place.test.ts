// Placement of a new VM through the service's API (GET /api/v1/place), on the simulated
// cluster and on libvirt's test driver: the chosen host, a clear "nothing fits" with each
// host's reason, maintenance respected, bad queries refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { openSim } from '../../core/sim/adapter';
import type { PlacementJson } from '../../autoscaler/decision/place';
import { validateConfig } from '../../autoscaler/config/load';
import { startAutoscaler, type RunningAutoscaler } from '../../autoscaler/service/run';
import { MemorySource } from '../../autoscaler/sources/memory';

const SCENARIO = path.join(__dirname, '..', 'e2e', 'fixtures', 'hotspot.yaml');
const RACK_A = path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml');

const place = async (api: string, query: string) => {
  const res = await fetch(`${api}/api/v1/place?${query}`);
  return { status: res.status, body: (await res.json()) as PlacementJson & { error?: string } };
};

function configIn(dir: string, hypervisor: string) {
  return validateConfig(
    { hypervisors: [hypervisor], listen: '127.0.0.1:0', journal: path.join(dir, 'journal.jsonl') },
    'test',
    dir,
  );
}

describe('place on the simulated cluster (hotspot scenario: "small" 2 cores and hot, "big" 16 cores)', () => {
  let dir: string;
  let running: RunningAutoscaler;
  let port: HypervisorPort & { snapshot(): Promise<import('../../core/model/snapshot').ClusterSnapshot> };
  // The simulated cluster runs on wall time (the service's clock), two minutes ahead so
  // the hotspot has built up by the first observation.
  let ahead = 0;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-place-sim-'));
    port = await openSim(`sim://${SCENARIO}`, { clock: () => Date.now() + ahead });
    ahead = 120_000;
    running = await startAutoscaler(configIn(dir, 'sim://unused'), {
      port,
      source: new MemorySource(() => port.snapshot()),
      noLoops: true,
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await running.stop(1000);
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts a 2-vCPU VM on the host with room, with the reason', async () => {
    const { status, body } = await place(running.apiUrl, 'vcpus=2&memory=1GiB');
    expect(status).toBe(200);
    expect(body.host).toBe('big');
    expect(body.request).toEqual({ vcpus: 2, memoryBytes: 2 ** 30 });
    expect(body.reason.rule).toBe('place');
    expect(body.reason.text).toMatch(/^big: stays under high/);
    // "small" is over `high` already: rejected with its load.
    expect(body.reason.alternatives).toEqual([
      { candidate: 'small', rejected: expect.stringMatching(/^cpu would be at \d+ %/) },
    ]);
  });

  it('says nothing fits a VM larger than any host, naming each host', async () => {
    const { status, body } = await place(running.apiUrl, 'vcpus=64&memory=4096');
    expect(status).toBe(200);
    expect(body.host).toBeNull();
    expect(body.reason.rule).toBe('place.none');
    expect(body.reason.text).toMatch(/^no host fits a VM of 64 vCPU\(s\), 4\.0 GiB \(/);
    expect(body.reason.text).toMatch(/big: cpu would be at/);
    expect(body.reason.text).toMatch(/small: cpu would be at/);
  });

  it('never places on a host in maintenance', async () => {
    await running.service.setMaintenance('big', true);
    try {
      const { body } = await place(running.apiUrl, 'vcpus=2&memory=1GiB');
      expect(body.host).toBeNull();
      expect(body.notConsidered).toEqual([{ host: 'big', reason: 'in maintenance: no new VMs' }]);
    } finally {
      await running.service.setMaintenance('big', false);
    }
  });

  it('refuses bad queries and an existing VM name', async () => {
    expect((await place(running.apiUrl, 'vcpus=2')).status).toBe(400);
    expect((await place(running.apiUrl, 'vcpus=two&memory=1G')).status).toBe(400);
    const bad = await place(running.apiUrl, 'vcpus=2&memory=lots');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/memory "lots": expected a size/);
    expect((await place(running.apiUrl, 'vcpus=2&memory=1G&name=web-1')).status).toBe(409);
  });
});

describe('place on the libvirt test driver', () => {
  let dir: string;
  let running: RunningAutoscaler;
  let port: HypervisorPort;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-place-libvirt-'));
    port = await connectHypervisors([`rack=test://${RACK_A}`]);
    // The test driver has no CPU statistics for an exporter: demand from the port's own
    // view (each running VM busy on one core), free memory from libvirt (service enrich).
    const source = new MemorySource(async (now) => {
      const [h] = await port.listHosts();
      const vms = (await port.listVms(h.name)).filter((v) => v.state === 'running');
      const five = <T>(v: T) => [v, v, v, v, v];
      return {
        at: now,
        intervalSeconds: 5,
        hosts: [
          {
            name: h.name,
            cpus: h.cpus,
            capacity: { cpu: h.cpus, mem: h.memoryBytes, disk: 2e8, net: 1.2e8 },
            usageHistory: five({ cpu: vms.length, mem: 0, disk: 0, net: 0 }),
            up: true,
            ageSeconds: 1,
          },
        ],
        vms: vms.map((v) => ({
          name: v.name,
          host: h.name,
          state: v.state,
          vcpus: v.vcpus,
          memoryBytes: v.maxMemoryBytes,
          workload: 'web' as const,
          usageHistory: five({ cpu: 1, mem: v.memoryBytes / 2, disk: 0, net: 0 }),
          allocation: { balloonBytes: v.memoryBytes, vcpus: v.vcpus },
        })),
      };
    });
    running = await startAutoscaler(configIn(dir, `rack=test://${RACK_A}`), {
      port,
      source,
      noLoops: true,
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await running.stop(1000);
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('places a small VM on the host and refuses one larger than its free memory', async () => {
    const [h] = await port.listHosts();
    const ok = await place(running.apiUrl, 'vcpus=1&memory=256MiB');
    expect(ok.body.host).toBe(h.name);
    const big = await place(running.apiUrl, `vcpus=1&memory=${Math.ceil(h.memoryBytes / 2 ** 20) + 1024}`);
    expect(big.body.host).toBeNull();
    expect(big.body.reason.text).toMatch(new RegExp(`${h.name}: not enough free memory`));
  });
});
