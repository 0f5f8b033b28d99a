// Issue 14 item 5: every baseline strategy honours the operator's constraints through the
// one definition (decision/constraints.ts), as vmpilot's planner does: the VM a baseline
// would move is not moved once excluded, a pinned VM goes only into its set, an ignored
// host is not a destination, and outside the migration windows nothing moves.
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { defaultPlannerConfig, type PlannerConfigInput } from '../decision/config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from '../decision/cluster-builder';
import { createStrategy, type StrategyName } from './registry';

const NOON = Date.UTC(2026, 0, 1, 12, 0, 0);

/** h1 hot on CPU and memory (every sample), h2 and h3 nearly empty. */
function cluster(): ClusterSnapshot {
  const hot = vec(3.9, 14 * GiB);
  const hosts = [
    hostOf('h1', 4, 16, hot),
    hostOf('h2', 8, 16, vec(0.2, 1 * GiB)),
    hostOf('h3', 8, 16, vec(0.1, 0.5 * GiB)),
  ];
  const vms = [
    vmOf('a', 'h1', vec(1.6, 6 * GiB), { memoryBytes: 6 * GiB }),
    vmOf('b', 'h1', vec(1.3, 4 * GiB), { memoryBytes: 4 * GiB }),
    vmOf('c', 'h1', vec(1, 4 * GiB), { memoryBytes: 4 * GiB }),
    vmOf('d', 'h2', vec(0.2, 1 * GiB), { memoryBytes: 1 * GiB }),
    vmOf('e', 'h3', vec(0.1, 0.5 * GiB), { memoryBytes: 1 * GiB }),
  ];
  return snapshotOf(hosts, vms, NOON);
}

function globalRound(mode: StrategyName, cfg: PlannerConfigInput = {}, snapshot = cluster()) {
  const strategy = createStrategy(mode);
  if (!strategy.global) throw new Error(`${mode} has no global round`);
  return strategy.global({
    snapshot,
    config: defaultPlannerConfig(cfg),
    history: { migrations: [] },
    now: NOON,
  });
}

describe.each(['sandpiper', 'drs', 'proxlb'] as const)('baseline %s under operator constraints', (mode) => {
  const reference = globalRound(mode);
  const first = reference.actions[0];

  it('moves something off h1 without constraints (the reference)', () => {
    expect(first).toMatchObject({ kind: 'migrate', from: 'h1' });
  });

  it('never moves an excluded VM (config or metadata), even its first choice', () => {
    const byConfig = globalRound(mode, { exclude: [first.vm] });
    const snap = cluster();
    snap.vms = snap.vms.map((v) => (v.name === first.vm ? { ...v, exclude: true } : v));
    const byMetadata = globalRound(mode, {}, snap);
    for (const p of [byConfig, byMetadata]) expect(p.actions.map((a) => a.vm)).not.toContain(first.vm);
  });

  it('sends a pinned VM only into its set, and never to an ignored host', () => {
    const other = first.to === 'h2' ? 'h3' : 'h2';
    const pinned = globalRound(mode, { pins: [{ vms: [first.vm], hosts: ['h1', other] }] });
    for (const a of pinned.actions.filter((x) => x.vm === first.vm)) expect(a.to).toBe(other);
    const ignored = globalRound(mode, { ignoredHosts: [first.to as string] });
    expect(ignored.actions.map((a) => a.to)).not.toContain(first.to);
    expect(ignored.held).toContainEqual(expect.objectContaining({ host: first.to, code: 'ignored' }));
    expect(globalRound(mode, { ignoredHosts: ['h1'] }).actions).toEqual([]);
  });

  it('plans nothing outside the migration windows and says why', () => {
    const closed = globalRound(mode, { migrationWindows: { cron: ['* 0-5 * * *'] } });
    expect(closed.actions).toEqual([]);
    expect(closed.migrationHold?.code).toBe('outside_window');
    expect(globalRound(mode, { migrationWindows: { cron: ['* 12 * * *'] } }).actions).toEqual(
      reference.actions,
    );
  });
});
