// Which profile a VM's service level is read from (issue 13 item 5): a configured profile at
// any load; a learned one only within the loads it was learned at (a table learned at 25
// requests/s says nothing of 50: the queue model is used there), and the cap search follows.
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { defaultPlannerConfig } from './config';
import { levelBasis, levelModel } from './local';
import { buildRoundView } from './points';

const rows = [
  {
    load: 25,
    points: [
      { cpuCores: 0.4, value: 30 },
      { cpuCores: 0.5, value: 0.05 },
    ],
  },
];

function viewAt(load: number, learned: boolean) {
  const vm = vmOf('w', 'h', vec(load * 0.02, 0.5 * GiB), {
    workload: 'web',
    web: { requestsPerSecond: load, throughputPerSecond: load, responseTimeSeconds: 0.05 },
    sli: { value: 0.05, target: 1, higherIsBetter: false },
  });
  const base = defaultPlannerConfig({ serviceLevel: { learnProfiles: true } });
  const profile = learned ? { vm: 'w', rows, learned: true as const } : { vm: 'w', rows };
  const cfg = { ...base, serviceLevel: { ...base.serviceLevel, profiles: [profile] } };
  const view = buildRoundView(snapshotOf([hostOf('h', 4, 16)], [vm]), cfg).vms.get('w');
  if (!view) throw new Error('no view of w');
  return { view, cfg };
}

describe('levelBasis / levelModel', () => {
  it('a learned profile is used within its loads only; a configured one at any load', () => {
    const at25 = viewAt(25, true);
    expect(levelBasis(at25.view, at25.cfg)).toBe('learned profile');
    // The learned table: 0.4 cores is the 30 s timeout (level ≈ 0).
    expect(levelModel(at25.view, at25.cfg)?.(0.4)).toBeLessThan(0.01);
    const at50 = viewAt(50, true);
    expect(levelBasis(at50.view, at50.cfg)).toBe('model');
    // The queue model at 50 requests/s (1 core offered): 0.4 cores cannot serve it, 2 can.
    const model = levelModel(at50.view, at50.cfg);
    expect(model?.(0.4)).toBeLessThan(0.01);
    expect(model?.(2)).toBeGreaterThan(0.9);
    const configured = viewAt(50, false);
    expect(levelBasis(configured.view, configured.cfg)).toBe('configured profile');
    // The configured table extrapolated from 25 requests/s: 0.5 cores reads as 0.05 s (level ≈ 1).
    expect(levelModel(configured.view, configured.cfg)?.(0.5)).toBeGreaterThan(0.9);
  });
});
