// The applier on a fake hypervisor: for every action kind, its schema, pre-condition,
// execute, post-condition and revert, each recorded as the journal would hold it; and the
// migration path (slot skips recorded as events, timeout → abort, shutdown's abandon,
// the hypervisor's truth after a lost reply).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { HypervisorError } from '../../core/hypervisor/errors';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { ACTION_KINDS, type Action, type Plan, type TuneKind } from '../../core/model/plan';
import { FakePort } from '../../test/autoscaler/fake-port';
import { pollUntil } from '../../test/helpers/poll';
import { MemoryEventLog } from '../journal/event-log';
import { Journal } from '../journal/journal';
import { ServiceMetrics } from '../service/metrics';
import { migrateHandler, TUNE_HANDLERS } from './handlers';
import { Applier } from './applier';

const reason = { rule: 'test', text: 'because the test says so' };
const GiB = 2 ** 30;
const log = pino({ level: 'silent' });

interface SetupOptions {
  dryRun?: boolean;
  migrationTimeoutMs?: number;
  maxConcurrentMigrations?: number;
}

function setup(opts: SetupOptions = {}) {
  const events = new MemoryEventLog();
  const port = new FakePort().addHost('a').addHost('b').addVm('a', 'web1').addVm('a', 'web2');
  const metrics = new ServiceMetrics({ processMetrics: false });
  const applier = new Applier({
    port,
    journal: events,
    metrics,
    log,
    clock: Date.now,
    callTimeoutMs: 1000,
    migrationTimeoutMs: opts.migrationTimeoutMs ?? 2000,
    maxConcurrentMigrations: opts.maxConcurrentMigrations ?? 1,
    dryRun: () => opts.dryRun ?? false,
    paused: () => false,
  });
  const counted = async (name: string, labels: string) =>
    new RegExp(`${name}\\{${labels}\\} (\\d+)`).exec(
      await metrics.registry.getSingleMetricAsString(name),
    )?.[1];
  return { events, port, applier, metrics, counted };
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
/** An action of any shape, for the schema to refuse (the types would not let it be written). */
const raw = (value: Record<string, unknown>): Action => value as unknown as Action;

/** Every tuning kind: a valid change, invalid params, its setter on the port, its current value. */
interface TuneCase {
  kind: TuneKind;
  params: Record<string, unknown>;
  invalid: Record<string, unknown>;
  /** The offending field `invalid` should be refused for. */
  field: string;
  setter: string;
  /** The port reads this kind back (else completed with `verified: false`). */
  readable: boolean;
  /** The current value on web1, in the keys of the params (readable kinds). */
  current?: (port: FakePort) => Promise<Record<string, unknown>>;
  /** A value the fake holds before the action (the `before` of the revert test). */
  before: Record<string, unknown>;
}

const web1 = { host: 'a', name: 'web1' };
const CASES: TuneCase[] = [
  {
    kind: 'set_cpu_shares',
    params: { shares: 2048 },
    invalid: { shares: -5 },
    field: 'params.shares',
    setter: 'setCpuShares',
    readable: true,
    current: async (p) => ({ shares: (await p.getCpuTune(web1)).shares }),
    before: { shares: 1024 },
  },
  {
    kind: 'set_cpu_cap',
    params: { periodUs: 100000, quotaUs: 50000 },
    invalid: { periodUs: 100000, quotaUs: 0 },
    field: 'params.quotaUs',
    setter: 'setCpuCap',
    readable: true,
    current: async (p) => ({ ...(await p.getCpuTune(web1)).cap }),
    before: { periodUs: 100000, quotaUs: -1 },
  },
  {
    kind: 'set_memory',
    params: { bytes: 1.5 * GiB },
    invalid: { bytes: 1.5 },
    field: 'params.bytes',
    setter: 'setMemory',
    readable: true,
    current: async (p) => ({ bytes: (await p.getVm(web1)).memoryBytes }),
    before: { bytes: GiB },
  },
  {
    kind: 'set_vcpus',
    params: { count: 3 },
    invalid: { count: 0 },
    field: 'params.count',
    setter: 'setVcpus',
    readable: true,
    current: async (p) => ({ count: (await p.getVm(web1)).vcpus }),
    before: { count: 2 },
  },
  {
    kind: 'pin_vcpus',
    params: { vcpu: 0, cpus: [1] },
    invalid: { vcpu: 0, cpus: [] },
    field: 'params.cpus',
    setter: 'pinVcpu',
    readable: false,
    before: { vcpu: 0, cpus: [0, 1, 2, 3] },
  },
  {
    kind: 'set_block_iotune',
    params: { device: 'vda', totalBytesSec: 1e6 },
    invalid: { device: '', totalBytesSec: 1e6 },
    field: 'params.device',
    setter: 'setBlockIoTune',
    readable: false,
    before: { device: 'vda', totalBytesSec: 0 },
  },
  {
    kind: 'set_net_bandwidth',
    params: { device: 'vnet0', inboundBytesSec: 1e6, outboundBytesSec: 1e6 },
    invalid: { device: 'vnet0', inboundBytesSec: -1, outboundBytesSec: 0 },
    field: 'params.inboundBytesSec',
    setter: 'setNetBandwidth',
    readable: false,
    before: { device: 'vnet0', inboundBytesSec: 0, outboundBytesSec: 0 },
  },
];

const tune = (c: TuneCase, from = 'a'): Action =>
  raw({ kind: c.kind, vm: 'web1', from, params: c.params, reason });

describe.each(CASES)('handler $kind', (c) => {
  it('applies the change and records it completed (verified when the port reads it back)', async () => {
    const t = setup();
    const [ev] = await t.applier.apply(plan(tune(c)), 'local');
    expect(ev.result).toBe('completed');
    expect(ev.after).toMatchObject({ ...c.params, verified: c.readable });
    if (c.current) {
      expect(await c.current(t.port)).toEqual(c.params);
      expect(ev.before).toEqual(c.before);
    } else expect(t.port.calls).toContain(c.setter);
    expect(t.events.events().map((e) => e.result)).toEqual(['completed']);
  });

  it('schema: refuses invalid params before any hypervisor call, as one failed event', async () => {
    const t = setup();
    const bad = raw({ kind: c.kind, vm: 'web1', from: 'a', params: c.invalid, reason });
    const [ev] = await t.applier.apply(plan(bad), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(new RegExp(`^schema: ${c.field.replace('.', '\\.')}: `));
    expect(ev.error).not.toMatch(/\n/);
    expect(t.port.calls).toEqual([]);
    expect(t.events.events()).toEqual([ev]);
  });

  it('pre-condition: fails without calling the setter when the VM is not on the planned host', async () => {
    const t = setup();
    const [ev] = await t.applier.apply(plan(tune(c, 'b')), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/^pre-condition: not_found: no VM web1 on b/);
    expect(t.port.calls).not.toContain(c.setter);
  });

  it('execute: a hypervisor error is recorded as failed, never as success', async () => {
    const t = setup();
    t.port.failing.set(c.setter, 'failed');
    const [ev] = await t.applier.apply(plan(tune(c)), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toBe(`failed: ${c.setter} failed (failed) in the fake`);
    expect(t.events.events().map((e) => e.result)).toEqual(['failed']);
  });

  it(
    c.readable
      ? 'post-condition: a call that changes nothing is recorded as failed'
      : 'post-condition: no read-back, so a successful call is completed unverified',
    async () => {
      const t = setup();
      t.port.noEffect.add(c.setter);
      const [ev] = await t.applier.apply(plan(tune(c)), 'local');
      if (c.readable) {
        expect(ev.result).toBe('failed');
        expect(ev.error).toMatch(/^post-condition: read back \{/);
        expect(ev.after).toEqual(c.before);
      } else {
        expect(ev.result).toBe('completed');
        expect(ev.after).toMatchObject({ verified: false });
      }
    },
  );

  it('revert: puts the before value back through the port, or says the kind is not reverted', async () => {
    const t = setup();
    const handler = TUNE_HANDLERS[c.kind];
    if (c.kind === 'set_memory') {
      expect(handler.revert).toBeNull();
      return;
    }
    await t.applier.apply(plan(tune(c)), 'local');
    expect(handler.revert).not.toBeNull();
    const ctx = { port: t.port, callTimeoutMs: 1000, log };
    // `before` has the kind's params shape (the table pairs them); the handler is the kind's.
    await (handler.revert as (x: typeof ctx, a: Action, b: unknown) => Promise<void>)(ctx, tune(c), c.before);
    if (c.current) expect(await c.current(t.port)).toEqual(c.before);
    else expect(t.port.calls.filter((m) => m === c.setter)).toHaveLength(2);
  });
});

describe('Applier tuning', () => {
  it('reverts a change whose read-back differs from what was asked', async () => {
    const t = setup();
    // A backend that lands on another value than asked, once.
    const vm = t.port.hosts.get('a')!.vms.get('web1')!;
    const set = t.port.setCpuShares.bind(t.port);
    let first = true;
    t.port.setCpuShares = async (ref, shares) => {
      await set(ref, first ? shares + 7 : shares);
      first = false;
    };
    const [ev] = await t.applier.apply(plan(tune(CASES[0])), 'local');
    expect(ev.result).toBe('failed');
    expect(ev.error).toBe(
      'post-condition: read back {"shares":2055}, asked {"shares":2048}; reverted to {"shares":1024}',
    );
    expect(vm.shares).toBe(1024);
  });

  it('counts a change a lost reply hid as completed when the read-back shows it', async () => {
    const t = setup();
    const set = t.port.setMemory.bind(t.port);
    t.port.setMemory = async (ref, bytes) => {
      await set(ref, bytes);
      throw new HypervisorError('timeout', 'setMemory: no answer within 1000 ms');
    };
    const [ev] = await t.applier.apply(plan(setMem('web1', 1.5 * GiB)), 'local');
    expect(ev.result).toBe('completed');
    expect(ev.after).toMatchObject({ bytes: 1.5 * GiB, verified: true });
  });

  it('waits for a real balloon that moves at the guest’s pace, and verifies it once there', async () => {
    const t = setup();
    const set = t.port.setMemory.bind(t.port);
    // the guest gives memory back in steps after the call returns (a real virtio balloon)
    t.port.setMemory = async (ref, bytes) => {
      const from = (await t.port.getVm(ref)).memoryBytes;
      for (const [i, f] of [0.5, 1].entries())
        setTimeout(() => void set(ref, Math.round(from + (bytes - from) * f)), 150 * (i + 1));
    };
    const [ev] = await t.applier.apply(plan(setMem('web1', 0.5 * GiB)), 'local');
    expect(ev.result).toBe('completed');
    expect(ev.after).toMatchObject({ bytes: 0.5 * GiB, verified: true });
  });

  it('records a balloon still on its way as completed unverified (settling), one that never moved as failed', async () => {
    const t = setup();
    const set = t.port.setMemory.bind(t.port);
    t.port.setMemory = async (ref, bytes) => {
      const from = (await t.port.getVm(ref)).memoryBytes;
      await set(ref, Math.round((from + bytes) / 2)); // half way, then stuck past the settle time
    };
    const [moving] = await t.applier.apply(plan(setMem('web1', 0.5 * GiB)), 'local');
    expect(moving.result).toBe('completed');
    expect(moving.after).toMatchObject({ bytes: 0.75 * GiB, verified: false, settling: true });

    t.port.setMemory = async () => undefined; // accepted, but the guest gives nothing back
    const [stuck] = await t.applier.apply(plan(setMem('web2', 0.5 * GiB)), 'local');
    expect(stuck.result).toBe('failed');
    expect(stuck.error).toMatch(/^post-condition: read back \{"bytes":1073741824\}/);
  });

  it('journals started then completed in a durable journal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-applier-'));
    try {
      const { journal } = Journal.open(path.join(dir, 'j.jsonl'));
      const port = new FakePort().addHost('a').addVm('a', 'web1');
      const seen: string[] = [];
      const applier = new Applier({
        port,
        journal,
        metrics: new ServiceMetrics({ processMetrics: false }),
        log,
        clock: Date.now,
        callTimeoutMs: 1000,
        migrationTimeoutMs: 2000,
        maxConcurrentMigrations: 1,
        dryRun: () => false,
        paused: () => false,
        onEvent: (e) => seen.push(e.result),
      });
      const [ev] = await applier.apply(plan(setMem('web1', 1.5 * GiB)), 'local');
      expect(seen).toEqual(['started', 'completed']);
      journal.close();
      const { journal: again } = Journal.open(journal.file);
      expect(again.get(ev.id)?.result).toBe('completed');
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips an action whose value is already in place and journals nothing', async () => {
    const t = setup();
    expect(await t.applier.apply(plan(setMem('web1', GiB)), 'local')).toEqual([]);
    expect(t.events.events()).toEqual([]);
    expect(await t.counted('vmpilot_autoscaler_actions_total', 'kind="set_memory",result="skipped"')).toBe(
      '1',
    );
  });

  it('in dry-run journals the decision and changes nothing', async () => {
    const t = setup({ dryRun: true });
    const [ev] = await t.applier.apply(plan(setMem('web1', 1.5 * GiB)), 'local');
    expect(ev.result).toBe('dry-run');
    expect(t.port.calls).not.toContain('setMemory');
    expect((await t.port.getVm(web1)).memoryBytes).toBe(GiB);
  });

  it('never touches a held host', async () => {
    const t = setup();
    const p = plan(setMem('web1', 1.5 * GiB));
    p.held.push({ host: 'a', code: 'stale', reason: 'stale' });
    expect(await t.applier.apply(p, 'local')).toEqual([]);
    expect(t.port.calls).not.toContain('setMemory');
  });

  it('refuses an unknown kind as a failed event, and goes on with the rest of the plan', async () => {
    const t = setup();
    const events = await t.applier.apply(
      plan(raw({ kind: 'reboot', vm: 'web1', from: 'a', params: {}, reason }), setMem('web1', 1.5 * GiB)),
      'local',
    );
    expect(events.map((e) => [e.action, e.result, e.error])).toEqual([
      ['reboot', 'failed', 'schema: kind: unknown action kind "reboot"'],
      ['set_memory', 'completed', undefined],
    ]);
  });
});

describe('Applier migrations', () => {
  it('migrates, checks the VM is on the destination, and journals the phases', async () => {
    const t = setup();
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('completed');
    expect(ev.before).toEqual({ host: 'a' });
    expect(ev.after).toEqual({ host: 'b' });
    expect(ev.phases.map((p) => p.phase)).toEqual(['planned', 'started', 'completed']);
    expect(ev.phases[2].downtimeMs).toBe(50);
    expect((await t.port.listVms('b')).map((v) => v.name)).toEqual(['web1']);
  });

  it('schema: refuses a migration to its own host or without a destination', async () => {
    const t = setup();
    const events = await t.applier.apply(
      plan(migrate('web1', 'a', 'a'), raw({ kind: 'migrate', vm: 'web2', from: 'a', params: {}, reason })),
      'global',
    );
    expect(events.map((e) => e.error)).toEqual([
      'schema: to: destination is the source host',
      expect.stringMatching(/^schema: to: /),
    ]);
    expect(t.port.calls).toEqual([]);
  });

  it('pre-condition: refuses a destination without room', async () => {
    const t = setup();
    t.port.hosts.get('b')!.info.memoryFreeBytes = 100;
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toBe(`pre-condition: b has 100 bytes free, web1 needs ${GiB}`);
    expect(ev.phases.map((p) => p.phase)).toEqual(['planned', 'failed']);
    expect(t.port.calls).not.toContain('migrate');
  });

  it('pre-condition: counts the VM by the footprint rule (balloon − unused), as the planner does', async () => {
    const t = setup();
    t.port.hosts.get('b')!.info.memoryFreeBytes = 0.5 * GiB;
    // The port's balloon statistics of web1: 1 GiB balloon, 0.75 GiB of it unused.
    const port: HypervisorPort = t.port;
    port.getStats = async (host: string) => ({
      host,
      collectedAtMs: 0,
      vms: [
        {
          name: 'web1',
          uuid: 'uuid-web1',
          state: 'running' as const,
          balloon: { currentBytes: GiB, maximumBytes: 2 * GiB, unusedBytes: 0.75 * GiB },
        },
      ],
    });
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('completed');
  });

  it('pre-condition: refuses an unknown destination and one that already has the VM', async () => {
    const t = setup();
    t.port.addVm('b', 'web2');
    const events = await t.applier.apply(
      plan(migrate('web1', 'a', 'c'), migrate('web2', 'a', 'b')),
      'global',
    );
    expect(events.map((e) => e.error)).toEqual([
      'pre-condition: destination c: not_found: unknown host c',
      'pre-condition: a VM named web2 already exists on b',
    ]);
  });

  it('post-condition: a migration that reports success but leaves the VM on the source failed', async () => {
    const t = setup();
    t.port.noEffect.add('migrate');
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toBe('post-condition: migration returned but web1 is still on a');
  });

  it('post-condition decides after an error: a VM found on the destination is completed', async () => {
    const t = setup();
    const move = t.port.migrate.bind(t.port);
    t.port.migrate = async (ref, target, o) => {
      await move(ref, target, o);
      throw new HypervisorError('unreachable', 'connection lost after the switch-over');
    };
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('completed');
  });

  it('aborts the job on timeout and records it as failed', async () => {
    const t = setup({ migrationTimeoutMs: 200 });
    t.port.migrationGate = new Promise(() => undefined); // never finishes
    const [ev] = await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toBe('timeout: migration of web1 to b: no answer within 200 ms');
    expect(t.port.calls).toContain('abortJob');
    expect(ev.phases.at(-1)).toMatchObject({ phase: 'failed', transferredBytes: 0 });
  });

  it('has no revert: moving back is a new decision for the planner', () => {
    expect(migrateHandler().revert).toBeNull();
  });

  it('records a migration beyond the free slots as a skipped event, through the event sink', async () => {
    const t = setup({ maxConcurrentMigrations: 1 });
    let release: () => void = () => undefined;
    t.port.migrationGate = new Promise<void>((r) => (release = r));
    const returned = await t.applier.apply(
      plan(migrate('web1', 'a', 'b'), migrate('web2', 'a', 'b')),
      'global',
      {
        background: true,
      },
    );
    expect(returned.map((e) => [e.vm, e.result])).toEqual([['web2', 'skipped']]);
    const skipped = t.events.events().find((e) => e.vm === 'web2');
    expect(skipped).toMatchObject({ action: 'migrate', result: 'skipped', host: 'a', to: 'b' });
    expect(returned[0].error).toMatch(/^no free migration slot: 1 of 1 under way/);
    expect(await t.counted('vmpilot_autoscaler_actions_total', 'kind="migrate",result="skipped"')).toBe('1');
    expect(await t.counted('vmpilot_tuning_events_total', 'kind="global",result="skipped"')).toBe('1');
    // The first one runs on; a later round (the slot still taken) is skipped too.
    await pollUntil(() => t.port.jobs.size === 1, { what: 'the first migration to start', timeoutMs: 5000 });
    const [again] = await t.applier.apply(plan(migrate('web2', 'a', 'b')), 'global', { background: true });
    expect(again.result).toBe('skipped');
    release();
    const done = await pollUntil(
      () => t.events.events().find((e) => e.vm === 'web1' && e.result === 'completed'),
      { what: 'the first migration to complete', timeoutMs: 5000 },
    );
    expect(done.phases.map((p) => p.phase)).toEqual(['planned', 'started', 'completed']);
    expect(t.applier.inFlight).toBe(0);
  });

  it('runs at most maxConcurrentMigrations at once and publishes progress while one runs', async () => {
    const t = setup({ maxConcurrentMigrations: 1 });
    let release: () => void = () => undefined;
    t.port.migrationGate = new Promise<void>((r) => (release = r));
    const run = t.applier.apply(plan(migrate('web1', 'a', 'b'), migrate('web2', 'a', 'b')), 'global');
    await pollUntil(() => t.port.jobs.size === 1, { what: 'one migration job', timeoutMs: 5000 });
    expect(t.applier.migratingVms()).toEqual(new Set(['web1', 'web2']));
    expect(await t.metrics.registry.getSingleMetricAsString('vmpilot_migration_remaining_bytes')).toMatch(
      /vmpilot_migration_remaining_bytes\{domain="web1",from="a",to="b"\} \d+/,
    );
    expect(
      await t.metrics.registry.getSingleMetricAsString('vmpilot_autoscaler_migrations_in_flight'),
    ).toMatch(/in_flight 1$/m);
    release();
    const events = await run;
    expect(events.map((e) => e.result)).toEqual(['completed', 'completed']);
    expect(await t.metrics.registry.getSingleMetricAsString('vmpilot_migration_remaining_bytes')).not.toMatch(
      /domain=/,
    );
  });

  it('abandon at shutdown aborts the running job and closes its event as failed', async () => {
    const t = setup({ migrationTimeoutMs: 60_000 });
    t.port.migrationGate = new Promise(() => undefined);
    await t.applier.apply(plan(migrate('web1', 'a', 'b')), 'global', { background: true });
    await pollUntil(() => t.port.jobs.size === 1, { what: 'the migration job', timeoutMs: 5000 });
    t.applier.stopAccepting();
    expect(await t.applier.drain(10)).toBe(false);
    await t.applier.abandon();
    const [ev] = t.events.events();
    expect(ev.result).toBe('failed');
    expect((ev as { error?: string }).error).toBe('migration of web1 abandoned at shutdown');
    expect(t.port.calls).toContain('abortJob');
    expect(t.applier.inFlight).toBe(0);
  });
});

// Every kind has a case above (a new kind without one fails here).
it('covers every action kind', () => {
  // The lifecycle kinds of shortage handling have their own suite (handlers/lifecycle.test.ts).
  const lifecycle = ['suspend', 'resume', 'save', 'restore'];
  // Restarts after a host failure too (handlers/restart.test.ts).
  expect(new Set([...CASES.map((c) => c.kind), 'migrate', 'restart', ...lifecycle])).toEqual(
    new Set(ACTION_KINDS),
  );
  expect(new Set(Object.keys(TUNE_HANDLERS))).toEqual(
    new Set(ACTION_KINDS.filter((k) => k !== 'migrate' && k !== 'restart')),
  );
});
