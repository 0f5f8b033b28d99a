// The lifecycle kinds of shortage handling (issue 13) through the one applier on the
// simulated cluster's port: each step journalled with the state read before and after,
// postconditions read back through the port, refusals as failed events with one line.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openSim, type SimPort } from '../../../core/sim/adapter';
import type { Action, Plan } from '../../../core/model/plan';
import { MemoryEventLog } from '../../journal/event-log';
import { ServiceMetrics } from '../../service/metrics';
import { Applier } from '../applier';

const reason = { rule: 'test', text: 'because the test says so' };
const plan = (...actions: Action[]): Plan => ({ at: 0, held: [], actions });

describe('lifecycle handlers: suspend, resume, save, restore', () => {
  let dir: string;
  let port: SimPort;
  let events: MemoryEventLog;
  let applier: Applier;
  const now = 0;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-lifecycle-'));
    port = await openSim('sim://priority-shortage', { clock: () => now });
    events = new MemoryEventLog();
    applier = new Applier({
      port,
      journal: events,
      metrics: new ServiceMetrics({ processMetrics: false }),
      log: pino({ level: 'silent' }),
      clock: () => now,
      callTimeoutMs: 1000,
      migrationTimeoutMs: 1000,
      maxConcurrentMigrations: 1,
      dryRun: () => false,
      paused: () => false,
    });
  });
  afterEach(async () => {
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = async (vm: string) => (await port.getVm({ host: 'host-1', name: vm })).state;
  const step = (kind: 'suspend' | 'resume', vm: string): Action => ({
    kind,
    vm,
    from: 'host-1',
    params: {},
    reason,
  });
  const file = (kind: 'save' | 'restore', vm: string, p: string): Action => ({
    kind,
    vm,
    from: 'host-1',
    params: { path: p },
    reason,
  });

  it('suspend pauses, resume runs again; each journalled completed with before/after states', async () => {
    const [s] = await applier.apply(plan(step('suspend', 'batch-1b')), 'local');
    expect(s).toMatchObject({
      action: 'suspend',
      result: 'completed',
      before: { state: 'running' },
      after: { state: 'paused', verified: true },
    });
    expect(await state('batch-1b')).toBe('paused');
    // Already paused: nothing to do, nothing journalled.
    expect(await applier.apply(plan(step('suspend', 'batch-1b')), 'local')).toEqual([]);
    const [r] = await applier.apply(plan(step('resume', 'batch-1b')), 'local');
    expect(r).toMatchObject({
      result: 'completed',
      before: { state: 'paused' },
      after: { state: 'running' },
    });
    expect(await state('batch-1b')).toBe('running');
  });

  it('save writes the image and stops the VM; restore brings it back running from that file', async () => {
    const image = path.join(dir, 'batch-1a.save');
    const [s] = await applier.apply(plan(file('save', 'batch-1a', image)), 'local');
    expect(s).toMatchObject({
      result: 'completed',
      before: { state: 'running' },
      after: { state: 'shutoff' },
    });
    expect(existsSync(image)).toBe(true);
    expect(port.model.residentMemory(port.model.vm('batch-1a'))).toBe(0);
    const [r] = await applier.apply(plan(file('restore', 'batch-1a', image)), 'local');
    expect(r).toMatchObject({
      result: 'completed',
      before: { state: 'shutoff' },
      after: { state: 'running' },
    });
    expect(await state('batch-1a')).toBe('running');
  });

  it('refuses: a restore without its image, a resume of a stopped VM, a relative save path', async () => {
    const missing = path.join(dir, 'nothing.save');
    await applier.apply(plan(step('suspend', 'norm-1')), 'local');
    await port.stop({ host: 'host-1', name: 'batch-1a' }, { force: true });
    const [noImage] = await applier.apply(plan(file('restore', 'batch-1a', missing)), 'local');
    expect(noImage).toMatchObject({ result: 'failed', error: `pre-condition: no saved image at ${missing}` });
    expect(await state('batch-1a')).toBe('shutoff');
    // Resuming a running VM is already done; resuming a stopped one is refused.
    expect(await applier.apply(plan(step('resume', 'high-1')), 'local')).toEqual([]);
    const [stopped] = await applier.apply(plan(step('resume', 'batch-1a')), 'local');
    expect(stopped.result).toBe('failed');
    expect(stopped.error).toBe('pre-condition: batch-1a on host-1 is shutoff, resume needs paused');
    const [relative] = await applier.apply(plan(file('save', 'high-1', 'x.save')), 'local');
    expect(relative.error).toMatch(/^schema: params\.path: an absolute path/);
    expect(await state('high-1')).toBe('running');
  });
});
