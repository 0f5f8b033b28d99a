import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Action, Plan } from '../../core/model/plan';
import { FakePort } from '../../test/autoscaler/fake-port';
import { Journal } from '../journal/journal';
import { ServiceMetrics } from '../service/metrics';
import { Applier } from './applier';

const reason = { rule: 'test', text: 'because the test says so' };
const GiB = 1 << 30;

function setup(
  opts: { dryRun?: boolean; migrationTimeoutMs?: number; maxConcurrentMigrations?: number } = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-applier-'));
  const { journal } = Journal.open(path.join(dir, 'j.jsonl'));
  const port = new FakePort().addHost('a').addHost('b').addVm('a', 'web1').addVm('a', 'web2');
  const metrics = new ServiceMetrics({ processMetrics: false });
  const applier = new Applier({
    port,
    journal,
    metrics,
    log: pino({ level: 'silent' }),
    clock: Date.now,
    callTimeoutMs: 1000,
    migrationTimeoutMs: opts.migrationTimeoutMs ?? 2000,
    maxConcurrentMigrations: opts.maxConcurrentMigrations ?? 1,
    dryRun: () => opts.dryRun ?? false,
    paused: () => false,
  });
  return {
    dir,
    journal,
    port,
    applier,
    metrics,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const plan = (...actions: Action[]): Plan => ({ at: 0, held: [], actions });
const setMem = (vm: string, bytes: number, from = 'a'): Action => ({
  kind: 'set_memory',
  vm,
  from,
  params: { bytes },
  reason,
});
const migrate = (vm: string, from: string, to: string): Action => ({
  kind: 'migrate',
  vm,
  from,
  to,
  params: {},
  reason,
});

describe('Applier local actions', () => {
  it('applies, reads back, and journals started then completed', async () => {
    const t = setup();
    const [ev] = await t.applier.apply(plan(setMem('web1', 1.5 * GiB)), 'local');
    expect(ev.result).toBe('completed');
    expect(ev.before).toEqual({ bytes: GiB });
    expect(ev.after).toMatchObject({ bytes: 1.5 * GiB, verified: true });
    expect((await t.port.getVm({ host: 'a', name: 'web1' })).memoryBytes).toBe(1.5 * GiB);
    const { journal: again } = Journal.open(t.journal.file);
    expect(again.get(ev.id)?.result).toBe('completed');
    t.cleanup();
  });

  it('records a backend that accepts the call but changes nothing as failed (post-condition)', async () => {
    const t = setup();
    t.port.noEffect.add('setMemory');
    const [ev] = await t.applier.apply(plan(setMem('web1', 1.5 * GiB)), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/post-condition/);
    t.cleanup();
  });

  it('fails the pre-condition without calling when the VM is no longer on the host', async () => {
    const t = setup();
    const [ev] = await t.applier.apply(plan(setMem('web1', 1.5 * GiB, 'b')), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/pre-condition/);
    expect(t.port.calls).not.toContain('setMemory');
    t.cleanup();
  });

  it('records an unsupported operation as failed, never as success', async () => {
    const t = setup();
    t.port.failing.set('getCpuTune', 'unsupported');
    t.port.failing.set('setCpuShares', 'unsupported');
    const a: Action = { kind: 'set_cpu_shares', vm: 'web1', from: 'a', params: { shares: 2048 }, reason };
    const [ev] = await t.applier.apply(plan(a), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/unsupported/);
    t.cleanup();
  });

  it('skips an action whose value is already in place and journals nothing', async () => {
    const t = setup();
    const events = await t.applier.apply(plan(setMem('web1', GiB)), 'local');
    expect(events).toEqual([]);
    expect(t.journal.events()).toEqual([]);
    t.cleanup();
  });

  it('in dry-run journals the decision and changes nothing', async () => {
    const t = setup({ dryRun: true });
    const [ev] = await t.applier.apply(plan(setMem('web1', 1.5 * GiB)), 'local');
    expect(ev.result).toBe('dry-run');
    expect(t.port.calls).not.toContain('setMemory');
    expect((await t.port.getVm({ host: 'a', name: 'web1' })).memoryBytes).toBe(GiB);
    t.cleanup();
  });

  it('never touches a held host', async () => {
    const t = setup();
    const p = plan(setMem('web1', 1.5 * GiB));
    p.held.push({ host: 'a', code: 'stale', reason: 'stale' });
    expect(await t.applier.apply(p, 'local')).toEqual([]);
    expect(t.port.calls).not.toContain('setMemory');
    t.cleanup();
  });
});

describe('Applier migrations', () => {
  it('migrates, checks the VM is on the destination, and journals the phases', async () => {
    const t = setup();
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('completed');
    expect(ev.phases.map((p) => p.phase)).toEqual(['planned', 'started', 'completed']);
    expect(ev.phases[2].downtimeMs).toBe(50);
    expect((await t.port.listVms('b')).map((v) => v.name)).toEqual(['web1']);
    t.cleanup();
  });

  it('refuses a destination without room (pre-condition)', async () => {
    const t = setup();
    t.port.hosts.get('b')!.info.memoryFreeBytes = 100;
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/pre-condition: b has 100 bytes free/);
    expect(t.port.calls).not.toContain('migrate');
    t.cleanup();
  });

  it('records a migration that reports success but leaves the VM on the source as failed', async () => {
    const t = setup();
    t.port.noEffect.add('migrate');
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/still on a/);
    t.cleanup();
  });

  it('aborts the job on timeout and records it as failed', async () => {
    const t = setup({ migrationTimeoutMs: 200 });
    t.port.migrationGate = new Promise(() => undefined); // never finishes
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/timeout/);
    expect(t.port.calls).toContain('abortJob');
    t.cleanup();
  });

  it('runs at most maxConcurrentMigrations at once', async () => {
    const t = setup({ maxConcurrentMigrations: 1 });
    let release: () => void = () => undefined;
    t.port.migrationGate = new Promise<void>((r) => (release = r));
    const run = t.applier.apply(plan(migrate('web1', 'a', 'b'), migrate('web2', 'a', 'b')), 'global');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.port.jobs.size).toBe(1);
    // Progress of the running migration (job stats) is published while it runs.
    expect(await t.metrics.registry.getSingleMetricAsString('vmpilot_migration_remaining_bytes')).toMatch(
      /vmpilot_migration_remaining_bytes\{domain="web1",from="a",to="b"\} \d+/,
    );
    release();
    const events = await run;
    expect(events.map((e) => e.result)).toEqual(['completed', 'completed']);
    expect(await t.metrics.registry.getSingleMetricAsString('vmpilot_migration_remaining_bytes')).not.toMatch(
      /domain=/,
    );
    t.cleanup();
  });
});
