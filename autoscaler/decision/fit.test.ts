// The destination fit check of the global round counts a VM with the one footprint rule
// (core/model/footprint.ts), the rule the applier's pre-condition uses, against the free
// memory the hypervisor reports.
import { defaultPlannerConfig } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planGlobalRound } from './planner';
import type { VmSnapshot } from '../../core/model/snapshot';

const NOW = 1_000_000;

/** h1 overloaded (110 % CPU demand) with one cpu-bound VM of 2 GiB balloon; h2 idle, 32 cores, 1.5 GiB free. */
function plan(vm: Partial<VmSnapshot>) {
  const snapshot = snapshotOf(
    [hostOf('h1', 8, 16), hostOf('h2', 32, 16, undefined, { memoryFreeBytes: 1.5 * GiB })],
    [vmOf('cpu-a', 'h1', vec(8.8, GiB), vm)],
    NOW,
  );
  return planGlobalRound({ snapshot, config: defaultPlannerConfig(), history: { migrations: [] }, now: NOW });
}

describe('global round: destination fit by the footprint rule', () => {
  it('moves a VM whose guest uses less than the free memory (balloon − unused)', () => {
    const p = plan({ memoryUnusedBytes: GiB });
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ vm: 'cpu-a', to: 'h2' });
  });

  it('refuses the destination when the guest uses more than is free there', () => {
    const p = plan({ memoryUnusedBytes: 0.25 * GiB });
    expect(p.actions).toEqual([]);
  });

  it('without balloon statistics counts the host RSS, then the whole balloon', () => {
    expect(plan({ memoryUnusedBytes: undefined, memoryRssBytes: 1.2 * GiB }).actions).toHaveLength(1);
    expect(plan({ memoryUnusedBytes: undefined, memoryRssBytes: 1.8 * GiB }).actions).toEqual([]);
    expect(plan({ memoryUnusedBytes: undefined }).actions).toEqual([]);
  });
});
