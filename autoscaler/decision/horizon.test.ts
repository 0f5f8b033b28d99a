// Issue 12 (bursty load): the VMs' horizon history decides whether a hotspot's present lasts
// the horizon a move is weighed over. A steadily hot host's move is still made; the same
// host whose history shows its bursts end, beside a destination whose VM burst with the
// moving VM each time before, gets its move declined, with the shares in the reason.
import { defaultPlannerConfig } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planGlobalRound } from './planner';

const NOW = 1_000_000;
const steps = 20;
const steady = (c: number) => ({ stepSeconds: 30, cores: new Array<number>(steps).fill(c) });
/** Bursts of 2 steps (30 s each) every 4, the last 2 steps a burst as old as the ones before. */
const bursts = (hi: number, lo: number, lastHi = hi) => ({
  stepSeconds: 30,
  cores: Array.from({ length: steps }, (_, i) => (i % 4 < 2 ? lo : i >= steps - 2 ? lastHi : hi)),
});

/** h1 (8 cores) at 106 % CPU now with two 4.25-core VMs; h2 holds one VM at 1.5 cores now. */
function cluster(history: 'steady' | 'bursty') {
  const h = (now: number, hi: number, lo: number) =>
    history === 'steady' ? steady(now) : bursts(hi, lo, now);
  return snapshotOf(
    [hostOf('h1', 8, 16), hostOf('h2', 8, 16)],
    [
      vmOf('a', 'h1', vec(4.25, GiB), { horizonCpu: h(4.25, 4.25, 0.3) }),
      vmOf('b', 'h1', vec(4.25, GiB), { horizonCpu: h(4.25, 4.25, 0.3) }),
      // Bursty: d burst to 6 cores with h1's VMs every time before this one.
      vmOf('d', 'h2', vec(1.5, GiB), { horizonCpu: h(1.5, 6, 1) }),
    ],
    NOW,
  );
}

const plan = (history: 'steady' | 'bursty') =>
  planGlobalRound({
    snapshot: cluster(history),
    config: defaultPlannerConfig(),
    history: { migrations: [] },
    now: NOW,
  });

describe('global round over a horizon the present does not fill', () => {
  it('moves a VM off a steadily hot host (its history says the present lasts: share 1)', () => {
    const p = plan('steady');
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ kind: 'migrate', from: 'h1', to: 'h2' });
    expect(p.actions[0].reason.scores).toMatchObject({ sourcePresentShare: 1, destinationPresentShare: 1 });
  });
  it('declines it when the history shows the burst ends now and the destination bursts in turn', () => {
    const p = plan('bursty');
    expect(p.actions).toEqual([]);
    const d = p.declined ?? [];
    expect(d.length).toBeGreaterThan(0);
    expect(d[0].reason.rule).toBe('global.hotspot.declined');
    expect(d[0].reason.scores?.sourcePresentShare).toBe(0);
    expect(d[0].reason.scores?.destinationPresentShare).toBeLessThan(1);
    expect(d[0].reason.scores?.reliefVmSeconds).toBeLessThanOrEqual(d[0].reason.scores?.costVmSeconds ?? -1);
    expect(d[0].reason.text).toMatch(/lasts 0 % of it on h1/);
  });
});
