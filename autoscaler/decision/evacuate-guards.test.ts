// Issue 14: an operator's maintenance empties the host — the evacuation is not held by the
// cooldown nor the ping-pong rule that hold every other move, except while the VM's own last
// migration from that host is still in flight (or failed) within the cooldown.
import { defaultPlannerConfig, type PlannerConfigInput } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planGlobalRound, type PlannerHistory } from './planner';

const NOW = 1_000_000_000;

/** Two quiet hosts; vm-1 and vm-2 on a, both arrived from b a minute ago. */
function cluster(maintenance: boolean) {
  return snapshotOf(
    [hostOf('a', 8, 16, undefined, maintenance ? { maintenance: true } : {}), hostOf('b', 8, 16)],
    [vmOf('vm-1', 'a', vec(0.3, GiB)), vmOf('vm-2', 'a', vec(0.3, GiB)), vmOf('vm-3', 'b', vec(0.3, GiB))],
    NOW,
  );
}
const arrivedFromB: PlannerHistory = {
  migrations: [
    { vm: 'vm-1', from: 'b', to: 'a', at: NOW - 60_000 },
    { vm: 'vm-2', from: 'b', to: 'a', at: NOW - 60_000 },
  ],
};

function plan(maintenance: boolean, history: PlannerHistory, cfg: PlannerConfigInput = {}) {
  return planGlobalRound({
    snapshot: cluster(maintenance),
    config: defaultPlannerConfig({ maxMigrationsPerRound: 2, ...cfg }),
    history,
    now: NOW,
  });
}

describe('maintenance evacuation vs. the cooldown and ping-pong guards', () => {
  it('moves VMs that are in their cooldown and would return to the host they just left', () => {
    const p = plan(true, arrivedFromB);
    expect(p.actions.map((a) => [a.vm, a.from, a.to, a.reason.rule])).toEqual([
      ['vm-1', 'a', 'b', 'global.evacuate'],
      ['vm-2', 'a', 'b', 'global.evacuate'],
    ]);
    // Ping-pong alone (no cooldown) does not hold an evacuation either.
    expect(plan(true, arrivedFromB, { cooldownSeconds: 0 }).actions).toHaveLength(2);
    // Out of maintenance nothing moves (the cluster is quiet): only the evacuation moved them.
    expect(plan(false, arrivedFromB).actions).toEqual([]);
  });

  it('still holds a VM whose own migration off the host is in flight (or failed) within the cooldown', () => {
    const inFlight: PlannerHistory = {
      migrations: [
        { vm: 'vm-1', from: 'a', to: 'b', at: NOW - 10_000 }, // started, VM still reported on a
        { vm: 'vm-2', from: 'b', to: 'a', at: NOW - 60_000 },
      ],
    };
    const p = plan(true, inFlight);
    expect(p.actions.map((a) => a.vm)).toEqual(['vm-2']);
    // Past the cooldown the failed one is tried again.
    expect(plan(true, inFlight, { cooldownSeconds: 5 }).actions.map((a) => a.vm)).toEqual(['vm-1', 'vm-2']);
  });
});
