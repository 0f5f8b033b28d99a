// Local tuning on real libvirt (the test driver, a multi-domain host from
// test/fixtures/hosts/rack-a.xml): the applier sets memory and vCPUs through libvirt and
// reads them back; CPU shares and caps, which the test driver lacks, are journalled as
// failed (unsupported) — never as success.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openLibvirt } from '../../core/libvirt/adapter';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { Action } from '../../core/model/plan';
import { Applier } from '../../autoscaler/applier/applier';
import { Journal } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';

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
