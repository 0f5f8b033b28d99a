// Start-up reconciliation of a restart the autoscaler crashed in the middle of (issue 13):
// closed by what the destination holds, and never started by the reconciliation itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TuningEvent } from '../../core/model/event';
import { FakePort, uuidFor } from '../../test/autoscaler/fake-port';
import { Journal } from './journal';
import { reconcileJournal } from './reconcile';

const startedRestart = (id: string): TuningEvent => ({
  id,
  time: new Date().toISOString(),
  kind: 'global',
  vm: 'web1',
  host: 'a',
  to: 'b',
  action: 'restart',
  before: { host: 'a' },
  after: { host: 'b' },
  result: 'started',
  reason: { rule: 'failover.restart', text: 'a failed' },
  phases: [],
  params: { uuid: uuidFor('web1') },
});

describe('reconcileJournal: restarts', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-reconcile-restart-'));
    journal = Journal.open(path.join(dir, 'j.jsonl')).journal;
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (port: FakePort) =>
    reconcileJournal({ port, journal, clock: Date.now, callTimeoutMs: 500, jobWaitMs: 1000, pollMs: 20 });

  it('closes it as completed when the UUID runs on the destination', async () => {
    const port = new FakePort().addHost('a').addHost('b').addVm('b', 'web1');
    journal.append(startedRestart('r1'));
    expect(await run(port)).toEqual([expect.objectContaining({ id: 'r1', result: 'completed' })]);
    expect(journal.get('r1')?.result).toBe('completed');
    expect(port.calls).not.toContain('start');
  });

  it('closes it as failed, starting nothing, when the destination only has it defined', async () => {
    const port = new FakePort().addHost('a').addHost('b').addVm('b', 'web1', { state: 'shutoff' });
    journal.append(startedRestart('r1'));
    const [r] = await run(port);
    expect(r).toMatchObject({ result: 'failed' });
    expect(r.note).toMatch(/not running on b \(shutoff\)/);
    expect(port.calls).not.toContain('start');
    expect(journal.inFlight()).toEqual([]);
  });
});
