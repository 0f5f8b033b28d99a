// Start-up reconciliation with a host that does not answer (issue 13): an in-flight event on
// it has an unknown outcome, so it stays open (never closed as failed on a guess) and is
// closed by what the host reports once it answers again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HypervisorError } from '../../core/hypervisor/errors';
import type { TuningEvent } from '../../core/model/event';
import { FakePort, uuidFor } from '../../test/autoscaler/fake-port';
import { pollUntil } from '../../test/helpers/poll';
import { Journal } from './journal';
import { reconcileJournal, reconcileOpenUntilAnswered, type ReconcileOptions } from './reconcile';

/** Calls refused because their host was down (counts the retries). */
let refused = 0;

/** A FakePort whose hosts in `down` fail every call naming them with `unreachable`. */
function portWithDownHosts(port: FakePort, down: Set<string>): FakePort {
  const refuse = (host: string) => {
    if (down.has(host)) refused++;
    if (down.has(host)) throw new HypervisorError('unreachable', `cannot connect to ${host}`);
  };
  const getVm = port.getVm.bind(port);
  const listVms = port.listVms.bind(port);
  const getHostInfo = port.getHostInfo.bind(port);
  const getJobProgress = port.getJobProgress.bind(port);
  port.getVm = async (ref) => (refuse(ref.host), getVm(ref));
  port.listVms = async (host) => (refuse(host), listVms(host));
  port.getHostInfo = async (host) => (refuse(host), getHostInfo(host));
  port.getJobProgress = async (ref) => (refuse(ref.host), getJobProgress(ref));
  return port;
}

const started = (id: string, extra: Partial<TuningEvent>): TuningEvent => ({
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
  phases: [{ phase: 'started', time: new Date().toISOString() }],
  ...extra,
});

describe('reconcileJournal: a host that does not answer', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-reconcile-down-'));
    journal = Journal.open(path.join(dir, 'j.jsonl')).journal;
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const opts = (port: FakePort): ReconcileOptions => ({
    port,
    journal,
    clock: Date.now,
    callTimeoutMs: 500,
    jobWaitMs: 1000,
    pollMs: 20,
  });

  it('leaves a migration from an unreachable source open, then closes it when the host answers', async () => {
    const down = new Set(['a']);
    const port = portWithDownHosts(new FakePort().addHost('a').addHost('b').addVm('b', 'web1'), down);
    journal.append(started('m1', {}));
    const [r] = await reconcileJournal(opts(port));
    expect(r).toMatchObject({ id: 'm1', result: 'open' });
    expect(r.note).toMatch(/left open until the host answers/);
    // Nothing written: the event is still the started one, still in-flight.
    expect(journal.get('m1')?.result).toBe('started');
    expect(journal.inFlight().map((e) => e.id)).toEqual(['m1']);

    down.delete('a');
    const [again] = await reconcileJournal({ ...opts(port), only: new Set(['m1']) });
    expect(again).toMatchObject({ id: 'm1', result: 'completed' });
    expect(journal.inFlight()).toEqual([]);
  });

  it('leaves a local action on an unreachable host open (not failed)', async () => {
    const down = new Set(['a']);
    const port = portWithDownHosts(
      new FakePort().addHost('a').addVm('a', 'web1', { memoryBytes: 512 << 20 }),
      down,
    );
    journal.append(
      started('l1', {
        kind: 'local',
        action: 'set_memory',
        to: undefined,
        params: { bytes: 512 << 20 },
        phases: [],
      }),
    );
    expect(await reconcileJournal(opts(port))).toEqual([
      expect.objectContaining({ id: 'l1', result: 'open' }),
    ]);
    expect(journal.get('l1')?.result).toBe('started');
    down.delete('a');
    expect(await reconcileJournal(opts(port))).toEqual([
      expect.objectContaining({ id: 'l1', result: 'completed' }),
    ]);
  });

  it('leaves a restart open while its destination does not answer', async () => {
    const down = new Set(['b']);
    const port = portWithDownHosts(new FakePort().addHost('a').addHost('b').addVm('b', 'web1'), down);
    journal.append(started('r1', { action: 'restart', params: { uuid: uuidFor('web1') } }));
    expect(await reconcileJournal(opts(port))).toEqual([
      expect.objectContaining({ id: 'r1', result: 'open' }),
    ]);
    expect(journal.get('r1')?.result).toBe('started');
    expect(port.calls).not.toContain('start');
  });

  it('still closes as failed what a host that answers says failed', async () => {
    const port = portWithDownHosts(new FakePort().addHost('a').addHost('b').addVm('a', 'web1'), new Set());
    journal.append(started('m1', {}));
    expect(await reconcileJournal(opts(port))).toEqual([
      expect.objectContaining({ id: 'm1', result: 'failed' }),
    ]);
  });

  it('checks only the open ids again, until the host answers, and then stops', async () => {
    const down = new Set(['a']);
    const port = portWithDownHosts(new FakePort().addHost('a').addHost('b').addVm('b', 'web1'), down);
    journal.append(started('m1', {}));
    const first = await reconcileJournal(opts(port));
    // An event the applier journals after start-up is its own: the retry must not touch it.
    journal.append(started('m2', { vm: 'web2' }));
    const stop = reconcileOpenUntilAnswered(opts(port), first, 20);
    try {
      // Still down: three retries later the event is still open.
      const before = refused;
      await pollUntil(() => refused >= before + 3, { what: 'three retries while a is down' });
      expect(journal.get('m1')?.result).toBe('started');
      down.delete('a');
      await pollUntil(() => journal.get('m1')?.result === 'completed', { what: 'm1 closed once a answers' });
      expect(journal.get('m2')?.result).toBe('started');
    } finally {
      stop();
    }
  });
});
