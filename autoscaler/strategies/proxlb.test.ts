import { GiB, hostOf, snapshotOf, vec, vmOf } from '../decision/cluster-builder';
import { defaultProxLbConfig, proxlbRound, type ProxLbConfig } from './proxlb';

const NOW = 1_000_000;

function round(memsGiB: Record<string, number[]>, config: Partial<ProxLbConfig> = {}) {
  const hosts = Object.keys(memsGiB).map((h) => hostOf(h, 8, 16));
  const vms = Object.entries(memsGiB).flatMap(([h, mems]) =>
    mems.map((m, i) => vmOf(`${h}-vm${i}`, h, vec(0.5, m * GiB), { memoryBytes: 8 * GiB })),
  );
  return proxlbRound({
    snapshot: snapshotOf(hosts, vms, NOW),
    config: { ...defaultProxLbConfig(), ...config },
    history: { migrations: [] },
    now: NOW,
    staleIntervals: 3,
  });
}

describe('ProxLB-style baseline', () => {
  it('moves the biggest guest of the most used node to the least used one when the spread exceeds the balanciness', () => {
    const p = round({ a: [4, 3, 1], b: [1], c: [2] });
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ kind: 'migrate', vm: 'a-vm0', from: 'a', to: 'b' });
    expect(p.actions[0].reason.rule).toBe('proxlb.balance');
    expect(p.actions[0].reason.scores?.balanciness).toBeGreaterThan(10);
  });

  it('does nothing when the nodes are within the balanciness, and balances by assigned memory in that mode', () => {
    expect(round({ a: [2], b: [1.5] }).actions).toHaveLength(0);
    // Used memory is even; assigned (8 GiB per guest) is not: a has 2 guests, b none.
    const assigned = round({ a: [1, 1], b: [] }, { mode: 'assigned', maxMigrationsPerRound: 3 });
    expect(assigned.actions.map((a) => a.to)).toEqual(['b']);
  });
});
