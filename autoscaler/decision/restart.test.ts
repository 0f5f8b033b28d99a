import fc from 'fast-check';
import { GiB, hostOf, snapshotOf, vec } from './cluster-builder';
import { defaultPlannerConfig, type PlannerConfigInput } from './config';
import { operatorConstraints } from './constraints';
import { planRestarts, type KeptVm, type RestartInput } from './restart';

const kept = (name: string, host: string, extra: Partial<KeptVm> = {}): KeptVm => ({
  uuid: `uuid-${name}`,
  name,
  host,
  vcpus: 2,
  memoryBytes: 2 * GiB,
  cpuCores: 1,
  wasRunning: true,
  ...extra,
});

function input(over: Partial<RestartInput> = {}): RestartInput {
  const snapshot = snapshotOf([hostOf('a', 8, 16), hostOf('b', 8, 16), hostOf('c', 8, 16)], []);
  return {
    snapshot,
    failedHosts: new Set(['a']),
    usable: new Set(['b', 'c']),
    kept: [kept('v1', 'a'), kept('v2', 'a')],
    residentUuids: new Set(),
    sharedStorage: [{ name: 'nfs', hosts: ['a', 'b', 'c'] }],
    priorityOf: () => undefined,
    configOrderOf: () => undefined,
    constraints: operatorConstraints(snapshot, defaultPlannerConfig({}), 0),
    ...over,
  };
}

/** The input with the operator's constraints of `cfg` (decision/constraints.ts). */
function constrained(cfg: PlannerConfigInput, over: Partial<RestartInput> = {}): RestartInput {
  const i = input(over);
  return { ...i, constraints: operatorConstraints(i.snapshot, defaultPlannerConfig(cfg), 0) };
}

describe('restart planning', () => {
  it('restarts the failed host’s running VMs on hosts that share its storage, with reasons', () => {
    const { actions } = planRestarts(input());
    expect(actions.map((a) => [a.kind, a.vm, a.from, a.params.uuid])).toEqual([
      ['restart', 'v1', 'a', 'uuid-v1'],
      ['restart', 'v2', 'a', 'uuid-v2'],
    ]);
    for (const a of actions) {
      expect(['b', 'c']).toContain(a.to);
      expect(a.reason.rule).toBe('failover.restart');
    }
    // Least loaded after: the two VMs go to different hosts.
    expect(new Set(actions.map((a) => a.to)).size).toBe(2);
  });

  it('never restarts onto an ignored host, and a pinned VM only inside its pin set', () => {
    // Reference: unconstrained, the two VMs spread over b and c.
    expect(new Set(planRestarts(input()).actions.map((a) => a.to))).toEqual(new Set(['b', 'c']));

    const ignoredC = planRestarts(constrained({ ignoredHosts: ['c'] }));
    expect(ignoredC.actions.map((a) => a.to)).toEqual(['b', 'b']);
    expect(ignoredC.actions[0].reason.alternatives).toEqual([
      { candidate: 'c', rejected: expect.stringMatching(/^ignored by operator \(planner.ignoredHosts\)/) },
    ]);

    // Config pins (planner.pins) and the domain's metadata pins (kept with the definition).
    const pinned = planRestarts(
      constrained(
        { pins: [{ vms: ['v1'], hosts: ['c'] }] },
        { kept: [kept('v1', 'a'), kept('v2', 'a', { pinnedHosts: ['b'] }), kept('v3', 'a')] },
      ),
    );
    const to = Object.fromEntries(pinned.actions.map((a) => [a.vm, a.to]));
    expect(to.v1).toBe('c');
    expect(to.v2).toBe('b');
    expect(['b', 'c']).toContain(to.v3);

    // Pinned only to an ignored host: left where it is, with both reasons.
    const stuck = planRestarts(
      constrained(
        { ignoredHosts: ['c'], pins: [{ vms: ['v1'], hosts: ['c'] }] },
        { kept: [kept('v1', 'a')] },
      ),
    );
    expect(stuck.actions).toEqual([]);
    expect(stuck.unplaced).toEqual([
      {
        vm: 'v1',
        from: 'a',
        reason: expect.stringMatching(/b \(v1 is pinned to c \(planner.pins\)\), c \(ignored by operator/),
      },
    ]);
  });

  it('restarts nothing without a shared-storage group, and only onto the group', () => {
    const none = planRestarts(input({ sharedStorage: [] }));
    expect(none.actions).toEqual([]);
    expect(none.unplaced.map((u) => u.vm)).toEqual(['v1', 'v2']);
    const onlyC = planRestarts(input({ sharedStorage: [{ name: 'san', hosts: ['a', 'c'] }] }));
    expect(onlyC.actions.map((a) => a.to)).toEqual(['c', 'c']);
  });

  it('never restarts a UUID resident somewhere, a VM that was shut off, or one of a live host', () => {
    const { actions } = planRestarts(
      input({
        kept: [kept('v1', 'a'), kept('v2', 'a', { wasRunning: false }), kept('v3', 'b'), kept('v4', 'a')],
        residentUuids: new Set(['uuid-v1']),
      }),
    );
    expect(actions.map((a) => a.vm)).toEqual(['v4']);
  });

  it('follows the priority kept with the VM (class, then weight), then configuration order, then name', () => {
    const order: Record<string, number> = { 'mid-b': 0, 'mid-a': 1 };
    const { actions } = planRestarts(
      input({
        kept: [
          kept('low', 'a', { memoryBytes: GiB, priority: { class: 'low' } }),
          kept('mid-a', 'a', { memoryBytes: GiB, priority: { class: 'normal' } }),
          kept('high-light', 'a', { memoryBytes: GiB, priority: { class: 'high', weight: 1 } }),
          kept('mid-b', 'a', { memoryBytes: GiB, priority: { class: 'normal' } }),
          kept('x', 'a', { memoryBytes: GiB }),
          kept('high-heavy', 'a', { memoryBytes: GiB, priority: { class: 'high', weight: 5 } }),
          kept('crit', 'a', { memoryBytes: GiB, priority: { class: 'critical', weight: 0.1 } }),
        ],
        configOrderOf: (vm) => order[vm],
      }),
    );
    expect(actions.map((a) => a.vm)).toEqual([
      'crit',
      'high-heavy',
      'high-light',
      'mid-b',
      'mid-a',
      'x',
      'low',
    ]);
    // A configured priority overrides the kept one.
    const over = planRestarts(
      input({
        kept: [
          kept('p', 'a', { priority: { class: 'low' } }),
          kept('q', 'a', { priority: { class: 'high' } }),
        ],
        priorityOf: (vm) => (vm === 'p' ? 10 : undefined),
      }),
    );
    expect(over.actions.map((a) => a.vm)).toEqual(['p', 'q']);
  });

  it('property: at most once per UUID, never resident ones, within each destination’s free memory, in priority order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 12 }),
            host: fc.constantFrom('a', 'b', 'c'),
            memGiB: fc.integer({ min: 1, max: 6 }),
            prio: fc.integer({ min: 0, max: 4 }),
            running: fc.boolean(),
          }),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
        fc.subarray(['a', 'b', 'c']),
        (specs, residentIds, failed) => {
          const kept_ = specs.map((s, i) =>
            kept(`vm${s.id}-${i}`, s.host, {
              uuid: `u${s.id}`,
              memoryBytes: s.memGiB * GiB,
              wasRunning: s.running,
            }),
          );
          const prio = new Map(specs.map((s, i) => [`vm${s.id}-${i}`, s.prio]));
          const usable = new Set(['a', 'b', 'c'].filter((h) => !failed.includes(h)));
          const snapshot = snapshotOf(
            ['a', 'b', 'c'].map((h) => hostOf(h, 8, 16, vec(2, 4 * GiB))),
            [],
          );
          const resident = new Set(residentIds.map((r) => `u${r}`));
          const { actions } = planRestarts({
            snapshot,
            failedHosts: new Set(failed),
            usable,
            kept: kept_,
            residentUuids: resident,
            sharedStorage: [{ name: 'all', hosts: ['a', 'b', 'c'] }],
            priorityOf: (vm) => prio.get(vm),
            configOrderOf: () => undefined,
            constraints: operatorConstraints(snapshot, defaultPlannerConfig({}), 0),
          });
          const uuids = actions.map((a) => a.params.uuid);
          expect(new Set(uuids).size).toBe(uuids.length);
          const used = new Map<string, number>();
          for (const a of actions) {
            expect(resident.has(a.params.uuid)).toBe(false);
            expect(failed).toContain(a.from);
            expect(usable.has(a.to)).toBe(true);
            const k = kept_.find((v) => v.name === a.vm)!;
            expect(k.wasRunning).toBe(true);
            used.set(a.to, (used.get(a.to) ?? 0) + k.memoryBytes);
          }
          for (const [h, bytes] of used) {
            const host = snapshot.hosts.find((x) => x.name === h)!;
            const free = host.capacity.mem - host.usageHistory[host.usageHistory.length - 1].mem;
            expect(bytes).toBeLessThanOrEqual(free);
          }
          const ranks = actions.map((a) => prio.get(a.vm) ?? 0);
          for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeLessThanOrEqual(ranks[i - 1]);
        },
      ),
    );
  });
});
