// Local tuning on real libvirt (the test driver, a multi-domain host from
// test/fixtures/hosts/rack-a.xml): the applier sets memory and vCPUs through libvirt and
// reads them back; CPU shares and caps, which the test driver lacks, are journalled as
// failed (unsupported) — never as success.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { connectHypervisors } from '../../core/hypervisor/connect';
import { openLibvirt } from '../../core/libvirt/adapter';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { TuningEvent } from '../../core/model/event';
import type { Action } from '../../core/model/plan';
import { Applier } from '../../autoscaler/applier/applier';
import { Journal } from '../../autoscaler/journal/journal';
import { validateConfig } from '../../autoscaler/config/load';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { startAutoscaler, type RunningAutoscaler } from '../../autoscaler/service/run';
import { MemorySource } from '../../autoscaler/sources/memory';

const RACK_A = path.resolve(__dirname, '../fixtures/hosts/rack-a.xml');
const MiB = 1 << 20;
const reason = { rule: 'e2e', text: 'local tuning on the test driver' };

describe('local tuning on the libvirt test driver', () => {
  let port: HypervisorPort;
  let dir: string;
  let journal: Journal;
  let applier: Applier;
  let metrics: ServiceMetrics;

  beforeAll(async () => {
    port = await openLibvirt(`test://${RACK_A}`);
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-libvirt-'));
    journal = Journal.open(path.join(dir, 'journal.jsonl')).journal;
    metrics = new ServiceMetrics({ processMetrics: false });
    applier = new Applier({
      port,
      journal,
      metrics,
      log: pino({ level: 'silent' }),
      clock: Date.now,
      callTimeoutMs: 5000,
      migrationTimeoutMs: 10000,
      maxConcurrentMigrations: 1,
      dryRun: () => false,
      paused: () => false,
    });
  });
  afterAll(async () => {
    journal.close();
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies setmem and setvcpus, reads them back, and records shares/caps as unsupported', async () => {
    const [host] = await port.listHosts();
    expect(host.name).toBe('rack-a');
    const before = await port.getVm({ host: 'rack-a', name: 'web-a1' });
    expect(before.memoryBytes).toBe(2048 * MiB);
    const actions: Action[] = [
      { kind: 'set_memory', vm: 'web-a1', from: 'rack-a', params: { bytes: 3072 * MiB }, reason },
      { kind: 'set_vcpus', vm: 'web-a1', from: 'rack-a', params: { count: 3 }, reason },
      { kind: 'set_cpu_shares', vm: 'web-a1', from: 'rack-a', params: { shares: 2048 }, reason },
      {
        kind: 'set_cpu_cap',
        vm: 'web-a1',
        from: 'rack-a',
        params: { periodUs: 100000, quotaUs: 50000 },
        reason,
      },
    ];
    const events = await applier.apply({ at: Date.now(), held: [], actions }, 'local');
    const byAction = Object.fromEntries(events.map((e) => [e.action, e]));

    expect(byAction.set_memory).toMatchObject({
      result: 'completed',
      before: { bytes: 2048 * MiB },
      after: { bytes: 3072 * MiB, verified: true },
    });
    expect(byAction.set_vcpus).toMatchObject({
      result: 'completed',
      before: { count: 2 },
      after: { count: 3, verified: true },
    });
    expect(byAction.set_cpu_shares.result).toBe('failed');
    expect(byAction.set_cpu_shares.error).toMatch(/unsupported/);
    expect(byAction.set_cpu_cap.result).toBe('failed');
    expect(byAction.set_cpu_cap.error).toMatch(/unsupported/);

    // The values really changed in libvirt.
    const after = await port.getVm({ host: 'rack-a', name: 'web-a1' });
    expect(after.memoryBytes).toBe(3072 * MiB);
    expect(after.vcpus).toBe(3);

    // The journal on disk holds each action's final state; nothing is left in flight.
    const reopened = Journal.open(journal.file, { readOnly: true }).journal;
    expect(reopened.inFlight()).toEqual([]);
    expect(reopened.events().map((e) => [e.action, e.result])).toEqual([
      ['set_memory', 'completed'],
      ['set_vcpus', 'completed'],
      ['set_cpu_shares', 'failed'],
      ['set_cpu_cap', 'failed'],
    ]);
    const text = await metrics.registry.getSingleMetricAsString('vmpilot_tuning_events_total');
    expect(text).toMatch(/vmpilot_tuning_events_total\{kind="local",result="completed"\} 2/);
    expect(text).toMatch(/vmpilot_tuning_events_total\{kind="local",result="failed"\} 2/);
  });

  it('refuses a memory target above the maximum and records it as failed', async () => {
    const events = await applier.apply(
      {
        at: Date.now(),
        held: [],
        actions: [
          { kind: 'set_memory', vm: 'web-a2', from: 'rack-a', params: { bytes: 8192 * MiB }, reason },
        ],
      },
      'local',
    );
    expect(events[0].result).toBe('failed');
    expect((await port.getVm({ host: 'rack-a', name: 'web-a2' })).memoryBytes).toBe(2048 * MiB);
  });
});

// The same, driven by the real planner through the service: a local round on the test
// driver host plans shares and balloons from the VMs' demand, the applier acts through
// libvirt, and the events API serves the outcome (balloons set and read back, shares
// failed as unsupported). Demand comes from an in-memory source, since the test driver
// reports no CPU or memory statistics for an exporter to publish.
describe('autoscaler local round on the libvirt test driver', () => {
  let port: HypervisorPort;
  let dir: string;
  let running: RunningAutoscaler;

  beforeAll(async () => {
    port = await connectHypervisors([`rack=test://${RACK_A}`]);
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-libvirt-svc-'));
    const source = new MemorySource(async (now) => {
      const [h] = await port.listHosts();
      const vms = (await port.listVms(h.name)).filter((v) => v.state === 'running');
      const hist = <T>(v: T) => [v, v, v, v, v];
      return {
        at: now,
        intervalSeconds: 5,
        hosts: [
          {
            name: h.name,
            cpus: h.cpus,
            capacity: { cpu: h.cpus, mem: h.memoryBytes, disk: 2e8, net: 1.2e8 },
            usageHistory: hist({ cpu: 12, mem: 20e9, disk: 0, net: 0 }),
            up: true,
            ageSeconds: 1,
          },
        ],
        // web-a1 is busy and uses almost all its balloon; the others idle along.
        vms: vms.map((v) => ({
          name: v.name,
          host: h.name,
          state: v.state,
          vcpus: v.vcpus,
          memoryBytes: v.maxMemoryBytes,
          workload: 'web' as const,
          usageHistory: hist({
            cpu: v.name === 'web-a1' ? 6 : 0.5,
            mem: v.memoryBytes * (v.name === 'web-a1' ? 0.98 : 0.3),
            disk: 0,
            net: 0,
          }),
          allocation: { balloonBytes: v.memoryBytes, vcpus: v.vcpus },
        })),
      };
    });
    const cfg = validateConfig(
      {
        hypervisors: [`rack=test://${RACK_A}`],
        listen: '127.0.0.1:0',
        journal: path.join(dir, 'journal.jsonl'),
      },
      'test',
      dir,
    );
    running = await startAutoscaler(cfg, { port, source, noLoops: true, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await running?.stop(1000);
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the planned balloons, reads them back, and records shares as unsupported', async () => {
    const before = await port.getVm({ host: 'rack', name: 'web-a1' });
    const report = await running.service.runRound('local');
    expect(report.outcome).toBe('ok');
    const page = (await (await fetch(`${running.apiUrl}/api/v1/events?kind=local&limit=1000`)).json()) as {
      events: (TuningEvent & { error?: string })[];
    };
    const mem = page.events.find((e) => e.action === 'set_memory' && e.vm === 'web-a1');
    expect(mem).toMatchObject({ result: 'completed', before: { bytes: before.memoryBytes } });
    const asked = (mem?.after as { bytes: number }).bytes;
    expect(asked).toBeGreaterThan(before.memoryBytes);
    expect((await port.getVm({ host: 'rack', name: 'web-a1' })).memoryBytes).toBe(asked);
    const shares = page.events.filter((e) => e.action === 'set_cpu_shares');
    expect(shares.length).toBeGreaterThan(0);
    for (const e of shares) {
      expect(e.result).toBe('failed');
      expect(e.error).toMatch(/unsupported/);
    }
    expect(page.events.every((e) => e.result === 'completed' || e.result === 'failed')).toBe(true);
  });
});
