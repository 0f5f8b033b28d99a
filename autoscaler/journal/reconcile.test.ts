import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TuningEvent } from '../../core/model/event';
import { FakePort } from '../../test/autoscaler/fake-port';
import { Journal } from './journal';
import { reconcileJournal } from './reconcile';

const startedMigration = (id: string): TuningEvent => ({
  id,
  time: new Date().toISOString(),
  kind: 'global',
  vm: 'web1',
  host: 'a',
  to: 'b',
  action: 'migrate',
  before: { host: 'a' },
  after: { host: 'b' },
  result: 'started',
  reason: { rule: 'hotspot', text: 'a overloaded' },
  phases: [
    { phase: 'planned', time: new Date().toISOString() },
    { phase: 'started', time: new Date().toISOString() },
  ],
});

describe('reconcileJournal', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-reconcile-'));
    journal = Journal.open(path.join(dir, 'j.jsonl')).journal;
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const opts = (port: FakePort) => ({
    port,
    journal,
    clock: Date.now,
    callTimeoutMs: 500,
    jobWaitMs: 2000,
    pollMs: 20,
  });

  it('closes a started migration as completed when the VM runs on the destination', async () => {
    const port = new FakePort().addHost('a').addHost('b').addVm('b', 'web1');
    journal.append(startedMigration('m1'));
    const out = await reconcileJournal(opts(port));
    expect(out).toEqual([expect.objectContaining({ id: 'm1', result: 'completed' })]);
    expect(journal.get('m1')?.phases.map((p) => p.phase)).toEqual(['planned', 'started', 'completed']);
    // the event itself says it was reconciled, not seen to end
    expect(journal.get('m1')?.note).toBe('reconciled at start-up: web1 runs on b');
    expect(journal.events()).toHaveLength(1);
    expect(port.calls).not.toContain('migrate');
  });

  it('closes it as failed when the VM is still on the source and no job runs', async () => {
    const port = new FakePort().addHost('a').addHost('b').addVm('a', 'web1');
    journal.append(startedMigration('m1'));
    const [r] = await reconcileJournal(opts(port));
    expect(r.result).toBe('failed');
    expect(r.note).toMatch(/still on a/);
    expect(journal.inFlight()).toEqual([]);
  });

  it('waits for a migration job that is still running, then reports where the VM is', async () => {
    const port = new FakePort().addHost('a').addHost('b').addVm('a', 'web1');
    let finish: () => void = () => undefined;
    port.migrationGate = new Promise<void>((r) => (finish = r));
    const running = port.migrate({ host: 'a', name: 'web1' }, { host: 'b', uri: 'fake://b' });
    // The job ends once reconciliation has seen it running (not after a fixed delay).
    const progress = port.getJobProgress.bind(port);
    port.getJobProgress = async (ref) => {
      const p = await progress(ref);
      if (p) finish();
      return p;
    };
    journal.append(startedMigration('m1'));
    const [r] = await reconcileJournal(opts(port));
    await running;
    expect(r.result).toBe('completed');
  });

  it('checks an interrupted local action by reading the value back', async () => {
    const port = new FakePort().addHost('a').addVm('a', 'web1', { memoryBytes: 512 << 20 });
    const local: TuningEvent = {
      ...startedMigration('l1'),
      kind: 'local',
      action: 'set_memory',
      to: undefined,
      params: { bytes: 512 << 20 },
      phases: [],
    };
    journal.append(local);
    const [r] = await reconcileJournal(opts(port));
    expect(r.result).toBe('completed');
  });

  it('leaves closed events alone', async () => {
    const port = new FakePort().addHost('a').addHost('b');
    journal.append({ ...startedMigration('m1'), result: 'completed' });
    expect(await reconcileJournal(opts(port))).toEqual([]);
  });
});
