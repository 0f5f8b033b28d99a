// Issue 14 item 5: the applier's safety net — an action breaking an operator constraint
// (decision/constraints.ts `violation`) is journalled as failed, "refused: …", and never
// reaches the hypervisor; the others go through.
import pino from 'pino';
import type { Action } from '../../core/model/plan';
import { FakePort } from '../../test/autoscaler/fake-port';
import { defaultPlannerConfig } from '../decision/config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from '../decision/cluster-builder';
import { operatorConstraints } from '../decision/constraints';
import { MemoryEventLog } from '../journal/event-log';
import { ServiceMetrics } from '../service/metrics';
import { Applier } from './applier';

const reason = { rule: 'test', text: 'planned by a test' };

it('refuses, with the reason in the journal, actions on an excluded VM, to a pinned VM outside its set or to an ignored host', async () => {
  const snapshot = snapshotOf(
    [hostOf('a', 4, 16), hostOf('b', 4, 16), hostOf('c', 4, 16)],
    [vmOf('web1', 'a', vec(1, GiB)), vmOf('web2', 'a', vec(1, GiB), { pinnedHosts: ['a', 'b'] })],
  );
  const constraints = operatorConstraints(
    snapshot,
    defaultPlannerConfig({ exclude: ['web1'], ignoredHosts: ['c'] }),
    snapshot.at,
  );
  const port = new FakePort().addHost('a').addHost('b').addHost('c').addVm('a', 'web1').addVm('a', 'web2');
  const journal = new MemoryEventLog();
  const applier = new Applier({
    port,
    journal,
    metrics: new ServiceMetrics({ processMetrics: false }),
    log: pino({ level: 'silent' }),
    clock: Date.now,
    callTimeoutMs: 1000,
    migrationTimeoutMs: 2000,
    maxConcurrentMigrations: 1,
    dryRun: () => false,
    paused: () => false,
    refuse: (a) => constraints.violation(a),
  });
  const actions: Action[] = [
    { kind: 'set_memory', vm: 'web1', from: 'a', params: { bytes: GiB / 2 }, reason },
    { kind: 'migrate', vm: 'web2', from: 'a', to: 'c', params: {}, reason },
  ];
  const events = await applier.apply({ at: 0, held: [], actions }, 'global');
  expect(events.map((e) => [e.vm, e.result, e.error])).toEqual([
    [
      'web1',
      'failed',
      expect.stringMatching(/^refused: web1 excluded by operator \(planner\.exclude "web1"\)/),
    ],
    ['web2', 'failed', expect.stringMatching(/^refused: c ignored by operator/)],
  ]);
  expect(journal.events()).toHaveLength(2);
  expect((await port.getVm({ host: 'a', name: 'web2' })).name).toBe('web2'); // not moved
  // Pinned to a and b: c would be refused even if it were not ignored; b is allowed.
  expect(constraints.violation({ kind: 'migrate', vm: 'web2', from: 'a', to: 'b' })).toBeUndefined();
  const ok = await applier.apply(
    { at: 0, held: [], actions: [{ kind: 'migrate', vm: 'web2', from: 'a', to: 'b', params: {}, reason }] },
    'global',
  );
  expect(ok.map((e) => e.result)).toEqual(['completed']);
});
