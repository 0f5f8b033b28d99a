// Issue 13 item 3 on libvirt's test driver: the planner sees a VM bounded by its vCPUs (its
// online count and its hot-plug limit read through the libvirt port), plans set_vcpus and
// the pinning of the new layout, the applier applies them through the same port, and the
// domain's vCPU count read back from libvirt is the planned one. Then the VM idles and
// gives one vCPU back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Applier } from '../../autoscaler/applier/applier';
import { defaultPlannerConfig } from '../../autoscaler/decision/config';
import { planLocalRound } from '../../autoscaler/decision/planner';
import { MemoryEventLog } from '../../autoscaler/journal/event-log';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { openLibvirt } from '../../core/libvirt/adapter';
import type { ClusterSnapshot, VmSnapshot } from '../../core/model/snapshot';

const GiB = 2 ** 30;

const HOST_XML = `<?xml version='1.0'?>
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads><active>8</active><mhz>2000</mhz><model>x86_64</model></cpu>
  <memory>16777216</memory>
  <domain type='test'>
    <name>busy</name>
    <uuid>4d0f0a51-1313-4a00-8000-0000000b0001</uuid>
    <memory unit='MiB'>2048</memory>
    <vcpu current='2'>6</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
  </domain>
</node>
`;

describe('vCPU hot-plug on the libvirt test driver', () => {
  let dir: string;
  let port: HypervisorPort;
  const events = new MemoryEventLog();
  const config = defaultPlannerConfig({ vcpuHotplug: { enabled: true } });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-hotplug-'));
    const file = path.join(dir, 'hotplug.xml');
    writeFileSync(file, HOST_XML);
    port = await openLibvirt(`test://${file}`, { hostName: 'hp' });
  });
  afterAll(async () => {
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The snapshot the service would build: vCPUs and their limit from libvirt, usage given. */
  async function snapshot(cpuUse: number): Promise<ClusterSnapshot> {
    const [info] = await port.listHosts();
    const vms: VmSnapshot[] = (await port.listVms('hp')).map((v) => ({
      name: v.name,
      uuid: v.uuid,
      host: 'hp',
      state: v.state,
      vcpus: v.vcpus,
      ...(v.maxVcpus !== undefined ? { maxVcpus: v.maxVcpus } : {}),
      memoryBytes: v.maxMemoryBytes,
      workload: 'cpu',
      usageHistory: Array.from({ length: 5 }, () => ({
        cpu: Math.min(cpuUse, v.vcpus),
        mem: GiB,
        disk: 0,
        net: 0,
      })),
      allocation: { vcpus: v.vcpus, balloonBytes: v.memoryBytes },
    }));
    const used = vms.reduce((s, v) => s + v.usageHistory[0].cpu, 0);
    return {
      at: Date.now(),
      intervalSeconds: 10,
      hosts: [
        {
          name: 'hp',
          cpus: info.cpus,
          capacity: { cpu: info.cpus, mem: info.memoryBytes, disk: 200 * 2 ** 20, net: 100 * 2 ** 20 },
          usageHistory: Array.from({ length: 5 }, () => ({ cpu: used, mem: GiB, disk: 0, net: 0 })),
          up: true,
          ageSeconds: 0,
        },
      ],
      vms,
    };
  }

  function applier(): Applier {
    return new Applier({
      port,
      journal: events,
      metrics: new ServiceMetrics({ processMetrics: false }),
      log: pino({ level: 'silent' }),
      clock: Date.now,
      callTimeoutMs: 5000,
      migrationTimeoutMs: 5000,
      maxConcurrentMigrations: 1,
      dryRun: () => false,
      paused: () => false,
    });
  }

  it('reads the hot-plug limit through the port', async () => {
    expect(await port.getVm({ host: 'hp', name: 'busy' })).toMatchObject({ vcpus: 2, maxVcpus: 6 });
  });

  it('a VM using all its vCPUs gets more; the count read back from libvirt is the planned one', async () => {
    const plan = planLocalRound({
      snapshot: await snapshot(2),
      config,
      history: { migrations: [] },
      now: Date.now(),
    });
    const set = plan.actions.find((a) => a.kind === 'set_vcpus');
    expect(set).toMatchObject({ vm: 'busy', params: { count: 4 }, before: { count: 2 } });
    expect(set?.reason.rule).toBe('local.vcpus.add');
    const evs = await applier().apply(plan, 'local');
    const setEv = evs.find((e) => e.action === 'set_vcpus');
    expect(setEv).toMatchObject({
      result: 'completed',
      before: { count: 2 },
      after: { count: 4, verified: true },
    });
    // 4 vCPUs ≤ 8 cores: one core each (the test driver takes the pinning; the port cannot read it back).
    const pins = evs.filter((e) => e.action === 'pin_vcpus');
    expect(pins.map((e) => [e.after, e.result])).toEqual(
      [0, 1, 2, 3].map((i) => [{ vcpu: i, cpus: [i], verified: false }, 'completed']),
    );
    expect((await port.getVm({ host: 'hp', name: 'busy' })).vcpus).toBe(4);
  });

  it('an idle VM gives one vCPU back, read back from libvirt', async () => {
    const plan = planLocalRound({
      snapshot: await snapshot(0.2),
      config,
      history: { migrations: [] },
      now: Date.now(),
    });
    const set = plan.actions.filter((a) => a.kind === 'set_vcpus');
    expect(set.map((a) => [a.params, a.reason.rule])).toEqual([[{ count: 3 }, 'local.vcpus.remove']]);
    const evs = await applier().apply(plan, 'local');
    expect(evs.find((e) => e.action === 'set_vcpus')).toMatchObject({
      result: 'completed',
      after: { count: 3 },
    });
    expect((await port.getVm({ host: 'hp', name: 'busy' })).vcpus).toBe(3);
  });
});
