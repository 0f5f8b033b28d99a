// Loop mechanics of the service with a scripted planner (the real planner has its own
// tests; the e2e suites run the whole chain): holds, pause, no overlap, graceful stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Action, Plan } from '../../core/model/plan';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { FakePort } from '../../test/autoscaler/fake-port';
import { validateConfig } from '../config/load';
import { Journal } from '../journal/journal';
import { MemorySource } from '../sources/memory';
import { MetricsSourceError, type MetricsSource } from '../sources/source';
import { ServiceMetrics } from './metrics';
import { AutoscalerService } from './service';
import { AlertInbox } from '../alerts/inbox';
import { filePauseStore, type PauseStore } from './pause-state';
import { webhookPayloadSchema } from '../alerts/webhook';
import { pollUntil } from '../../test/helpers/poll';

const reason = { rule: 'scripted', text: 'test plan' };

function snapshotOf(now: number, ageSeconds = 1): ClusterSnapshot {
  const host = (name: string) => ({
    name,
    cpus: 4,
    capacity: { cpu: 4, mem: 8 * 2 ** 30, disk: 1e8, net: 1e8 },
    usageHistory: [{ cpu: 1, mem: 2 ** 30, disk: 0, net: 0 }],
    up: true,
    ageSeconds,
  });
  const vm = (name: string, h: string) => ({
    name,
    host: h,
    state: 'running' as const,
    vcpus: 2,
    memoryBytes: 2 ** 30,
    workload: 'web' as const,
    usageHistory: [{ cpu: 0.5, mem: 2 ** 29, disk: 0, net: 0 }],
    allocation: {},
  });
  return {
    at: now,
    intervalSeconds: 15,
    hosts: [host('a'), host('b')],
    vms: [vm('web1', 'a'), vm('web2', 'a')],
  };
}

function setup(
  opts: {
    source?: MetricsSource;
    globalActions?: Action[];
    localActions?: Action[];
    alerts?: AlertInbox;
    pauseStore?: PauseStore;
  } = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-service-'));
  const config = validateConfig(
    {
      hypervisors: ['sim://unused'],
      journal: path.join(dir, 'j.jsonl'),
      planner: { t2Seconds: 0.05, t1Seconds: 0.1 },
      loops: { roundDeadlineSeconds: 2 },
      applier: { migrationTimeoutSeconds: 5, callTimeoutSeconds: 1 },
    },
    'test',
    dir,
  );
  const port = new FakePort().addHost('a').addHost('b').addVm('a', 'web1').addVm('a', 'web2');
  const { journal } = Journal.open(config.journal);
  const metrics = new ServiceMetrics({ processMetrics: false });
  const seen: { loop: string; snapshot: ClusterSnapshot }[] = [];
  const planned =
    (loop: string, actions: Action[]) =>
    (input: { snapshot: ClusterSnapshot; now: number }): Plan => {
      seen.push({ loop, snapshot: input.snapshot });
      return {
        at: input.now,
        held: input.snapshot.hosts
          .filter((h) => !h.up)
          .map((h) => ({ host: h.name, code: 'host_down' as const, reason: 'planner: not up' })),
        actions: actions.filter((a) => input.snapshot.hosts.find((h) => h.name === a.from)?.up),
      };
    };
  const service = new AutoscalerService({
    config,
    port,
    source: opts.source ?? new MemorySource((now) => snapshotOf(now)),
    journal,
    metrics,
    log: pino({ level: 'silent' }),
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
    ...(opts.pauseStore ? { pauseStore: opts.pauseStore } : {}),
    strategy: {
      name: 'scripted',
      global: planned('global', opts.globalActions ?? []),
      local: planned('local', opts.localActions ?? []),
    },
  });
  return {
    dir,
    port,
    journal,
    metrics,
    service,
    seen,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const setMem = (vm: string, bytes: number): Action => ({
  kind: 'set_memory',
  vm,
  from: 'a',
  params: { bytes },
  reason,
});

describe('AutoscalerService', () => {
  it("keeps the operator's pause across a restart, and the resume too", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-pause-svc-'));
    const store = filePauseStore(path.join(dir, 'state.json'));
    const first = setup({ pauseStore: store, localActions: [setMem('web1', 1.5 * 2 ** 30)] });
    expect(first.service.paused).toBe(false);
    first.service.setPaused(true);
    const restarted = setup({ pauseStore: store, localActions: [setMem('web1', 1.5 * 2 ** 30)] });
    expect(restarted.service.paused).toBe(true);
    const r = await restarted.service.runRound('local');
    expect(r.events).toEqual([]);
    expect(restarted.port.calls).not.toContain('setMemory');
    restarted.service.setPaused(false);
    expect(setup({ pauseStore: store }).service.paused).toBe(false);
    for (const t of [first, restarted]) t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('journals Alertmanager notifications once and hands their hotspot hosts to the planner', async () => {
    const alerts = new AlertInbox({ hotspotAlerts: ['VmpilotHostOverloaded'], ttlMs: 60_000 });
    const t = setup({ alerts });
    const notification = (status: 'firing' | 'resolved') =>
      webhookPayloadSchema.parse({
        version: '4',
        groupKey: 'g',
        status,
        receiver: 'vmpilot',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: '',
        alerts: [
          {
            status,
            labels: { alertname: 'VmpilotHostOverloaded', host: 'a' },
            startsAt: '2026-11-24T00:00:00Z',
            endsAt: '0001-01-01T00:00:00Z',
            fingerprint: 'fa',
          },
        ],
      });
    await t.service.receiveAlerts(notification('firing'));
    await t.service.receiveAlerts(notification('firing')); // Alertmanager's retry
    expect(t.journal.events().filter((e) => e.kind === 'alert')).toHaveLength(1);
    await t.service.runRound('global');
    const hostA = t.seen.at(-1)?.snapshot.hosts.find((h) => h.name === 'a');
    expect(hostA?.alerted).toBe(true);
    expect(t.seen.at(-1)?.snapshot.hosts.find((h) => h.name === 'b')?.alerted).toBeUndefined();
    const received = await t.metrics.registry.getSingleMetricAsString(
      'vmpilot_autoscaler_alerts_received_total',
    );
    expect(received).toMatch(/status="firing",outcome="accepted"\} 1/);
    expect(received).toMatch(/status="firing",outcome="unchanged"\} 1/);

    await t.service.receiveAlerts(notification('resolved'));
    await t.service.runRound('global');
    expect(t.seen.at(-1)?.snapshot.hosts.find((h) => h.name === 'a')?.alerted).toBeUndefined();
    expect(
      t.journal
        .events()
        .filter((e) => e.kind === 'alert')
        .map((e) => e.after?.status),
    ).toEqual(['firing', 'resolved']);
    t.cleanup();
  });

  it('applies the planned actions of a round and counts it as ok', async () => {
    const t = setup({ localActions: [setMem('web1', 1.5 * 2 ** 30)] });
    const r = await t.service.runRound('local');
    expect(r.outcome).toBe('ok');
    expect(r.events.map((e) => e.result)).toEqual(['completed']);
    expect((await t.port.getVm({ host: 'a', name: 'web1' })).memoryBytes).toBe(1.5 * 2 ** 30);
    expect(await t.metrics.registry.getSingleMetricAsString('vmpilot_autoscaler_rounds_total')).toMatch(
      /loop="local",outcome="ok"\} 1/,
    );
    // Points of every VM, per resource and weighted total, as the planner computed them.
    const points = await t.metrics.registry.getSingleMetricAsString('vmpilot_vm_points');
    expect(points).toMatch(/vmpilot_vm_points\{host="a",domain="web1",resource="cpu"\} 12\.5\b/);
    expect(points).toMatch(/vmpilot_vm_points\{host="a",domain="web1",resource="total"\} [0-9.]+/);
    t.cleanup();
  });

  it('holds every host and acts on none when the metrics source is down', async () => {
    const source: MetricsSource = {
      observe: async () => {
        throw new MetricsSourceError('Prometheus at http://x: connect ECONNREFUSED');
      },
    };
    const t = setup({ source, localActions: [setMem('web1', 1.5 * 2 ** 30)] });
    const r = await t.service.runRound('local');
    expect(r.outcome).toBe('held');
    expect(r.plan.held).toEqual([
      { host: 'a', code: 'source_down', reason: expect.stringMatching(/^metrics source: .*ECONNREFUSED/) },
      { host: 'b', code: 'source_down', reason: expect.stringMatching(/^metrics source/) },
    ]);
    expect(t.port.calls).not.toContain('setMemory');
    expect(await t.metrics.registry.getSingleMetricAsString('vmpilot_autoscaler_held_hosts')).toMatch(
      /reason="source_down"\} 2/,
    );
    t.cleanup();
  });

  it('holds a host with stale data and still acts on the fresh one', async () => {
    const source = new MemorySource((now) => {
      const s = snapshotOf(now);
      s.hosts[0].ageSeconds = 31; // > 2 × 15 s
      return s;
    });
    const t = setup({ source, localActions: [setMem('web1', 1.5 * 2 ** 30)] });
    const r = await t.service.runRound('local');
    expect(r.plan.held).toEqual([{ host: 'a', code: 'stale', reason: expect.stringMatching(/^stale/) }]);
    expect(r.plan.actions).toEqual([]);
    expect(t.port.calls).not.toContain('setMemory');
    t.cleanup();
  });

  it('does nothing while paused and acts again after resume', async () => {
    const t = setup({ localActions: [setMem('web1', 1.5 * 2 ** 30)] });
    t.service.setPaused(true);
    const r = await t.service.runRound('local');
    expect(r.outcome).toBe('paused');
    expect(r.plan.held.map((h) => h.reason)).toContain('paused by operator');
    expect(t.port.calls).not.toContain('setMemory');
    t.service.setPaused(false);
    expect((await t.service.runRound('local')).events.map((e) => e.result)).toEqual(['completed']);
    t.cleanup();
  });

  it('corrects a VM the metrics still place on its old host', async () => {
    const t = setup();
    await t.port.migrate({ host: 'a', name: 'web2' }, { host: 'b', uri: 'fake://b' });
    await t.service.runRound('local');
    expect(t.seen[0].snapshot.vms.find((v) => v.name === 'web2')?.host).toBe('b');
    t.cleanup();
  });

  it('runs global rounds every k-th tick, never two rounds at once, and stops cleanly', async () => {
    const t = setup();
    let running = 0;
    let maxRunning = 0;
    const orig = t.service.planRound.bind(t.service);
    t.service.planRound = async (...args) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      try {
        return await orig(...args);
      } finally {
        running--;
      }
    };
    t.service.start();
    await pollUntil(() => t.seen.length >= 5, { what: 'five rounds', timeoutMs: 10_000, intervalMs: 10 });
    await t.service.stop(1000);
    const loops = t.seen.map((s) => s.loop);
    expect(loops.slice(0, 5)).toEqual(['global', 'local', 'local', 'global', 'local']);
    expect(maxRunning).toBe(1);
    const after = t.seen.length;
    // Nothing to poll for: no round may start after stop, checked over three T2 periods (50 ms).
    await new Promise((r) => setTimeout(r, 150));
    expect(t.seen.length).toBe(after);
    t.cleanup();
  });

  it('on stop past the grace period aborts the migration in flight and closes it as failed', async () => {
    const t = setup({
      globalActions: [{ kind: 'migrate', vm: 'web1', from: 'a', to: 'b', params: {}, reason }],
    });
    t.port.migrationGate = new Promise(() => undefined); // the migration never finishes by itself
    t.service.start();
    await pollUntil(() => t.journal.inFlight().length > 0, { what: 'the migration journalled as started' });
    expect(t.journal.inFlight().map((e) => e.action)).toEqual(['migrate']);
    await t.service.stop(100);
    expect(t.port.calls).toContain('abortJob');
    const [ev] = t.journal.events();
    expect(ev.result).toBe('failed');
    expect(t.journal.inFlight()).toEqual([]);
    t.cleanup();
  });
});
