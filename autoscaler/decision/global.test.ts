import { defaultPlannerConfig, type PlannerConfigInput } from './config';
import { GiB, MiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planGlobalRound, type PlannerHistory } from './planner';
import type { ClusterSnapshot } from '../../core/model/snapshot';

const NOW = 1_000_000;
const noHistory: PlannerHistory = { migrations: [] };

function plan(snapshot: ClusterSnapshot, cfg: PlannerConfigInput = {}, history = noHistory) {
  return planGlobalRound({ snapshot, config: defaultPlannerConfig(cfg), history, now: NOW });
}

/**
 * h1 (8 cores) overloaded, 107.5 % CPU demand, with a cpu-bound, a memory-dirtying and a
 * web VM; h2 idle, h3 half busy.
 */
function hotCluster(extraVms: ReturnType<typeof vmOf>[] = [], hostExtra: Record<string, object> = {}) {
  return snapshotOf(
    [
      hostOf('h1', 8, 16, undefined, hostExtra.h1),
      hostOf('h2', 8, 16, undefined, hostExtra.h2),
      hostOf('h3', 8, 16, undefined, hostExtra.h3),
    ],
    [
      vmOf('cpu-a', 'h1', vec(3.5, GiB), { memoryBytes: 2 * GiB }),
      vmOf('db-b', 'h1', vec(3.5, GiB), { workload: 'memory-dirty', dirtyRateBytesPerSecond: 60 * MiB }),
      vmOf('web-c', 'h1', vec(1.6, GiB), { workload: 'web' }),
      vmOf('busy-h3', 'h3', vec(2, 4 * GiB)),
      ...extraVms,
    ],
    NOW,
  );
}

describe('global round: which VM', () => {
  it('moves the CPU-bound VM (best relief per cost) off the overloaded host to the least loaded host', () => {
    const p = plan(hotCluster());
    expect(p.actions).toHaveLength(1);
    const a = p.actions[0];
    expect(a).toMatchObject({ kind: 'migrate', vm: 'cpu-a', from: 'h1', to: 'h2', params: {} });
    expect(a.reason.rule).toBe('global.hotspot');
    expect(a.reason.scores?.source_cpu_before).toBeCloseTo(1.075);
    expect(a.reason.scores?.source_cpu_after).toBeCloseTo(0.6375);
    // Cost-aware: the relief over the horizon exceeds the migration's cost, both in the scores.
    expect(a.reason.scores?.reliefVmSeconds).toBeGreaterThan(a.reason.scores?.costVmSeconds ?? Infinity);
    // The memory-dirtying VM lost although it relieves as much: it is an alternative in the reason.
    expect(a.reason.alternatives?.map((x) => x.candidate)).toContain('db-b');
  });
  it('declines a move whose cost exceeds its relief: a host above high but steady under its capacity', () => {
    // h1 at 95 % CPU, every observation the same: nobody on it is short of CPU.
    const s = snapshotOf(
      [hostOf('h1', 8, 16), hostOf('h2', 8, 16)],
      [vmOf('cpu-a', 'h1', vec(3, GiB)), vmOf('cpu-b', 'h1', vec(4.6, GiB))],
      NOW,
    );
    const p = plan(s);
    expect(p.actions).toHaveLength(0);
    expect(p.declined?.length).toBeGreaterThan(0);
    for (const d of p.declined ?? []) {
      expect(d.reason.rule).toBe('global.hotspot.declined');
      expect(d.reason.scores?.costVmSeconds).toBeGreaterThanOrEqual(
        d.reason.scores?.reliefVmSeconds ?? Infinity,
      );
      expect(d.reason.scores?.reliefVmSeconds).toBe(0);
      expect(d.reason.text).toMatch(/would cost .* VM-s of service for .* VM-s of relief/);
      expect(d.reason.text).toContain('its observed demand fits h1: local tuning absorbs it');
    }
    // The same host over its capacity (demand 107.5 %): the move pays and is planned.
    const over = snapshotOf(
      [hostOf('h1', 8, 16), hostOf('h2', 8, 16)],
      [vmOf('cpu-a', 'h1', vec(3, GiB)), vmOf('cpu-b', 'h1', vec(5.6, GiB))],
      NOW,
    );
    expect(plan(over).actions).toHaveLength(1);
  });
  it('moves nothing without k of n hot observations, nor when the budget is 0', () => {
    expect(plan(hotCluster(), { k: 6, n: 6 }).actions).toHaveLength(0); // 5 hot observations of 6 needed
    expect(plan(hotCluster(), { maxMigrationsPerRound: 0 }).actions).toHaveLength(0);
  });
  it('takes a host Alertmanager reports hot without its own k of n, but moves nothing off a cool one', () => {
    const notYet = { k: 10, n: 10 }; // 5 hot observations: not enough for the planner alone
    expect(plan(hotCluster(), notYet).actions).toHaveLength(0);
    const alerted = plan(hotCluster([], { h1: { alerted: true } }), notYet);
    expect(alerted.actions).toHaveLength(1);
    expect(alerted.actions[0]).toMatchObject({ vm: 'cpu-a', from: 'h1', reason: { rule: 'global.hotspot' } });
    expect(alerted.actions[0].reason.text).toContain('reported by Alertmanager');
    // An alert on a host whose load is below `high` moves nothing: nothing to relieve.
    expect(plan(hotCluster([], { h2: { alerted: true } }), notYet).actions).toHaveLength(0);
  });
  it('skips a VM in cooldown and takes the next best one', () => {
    const history = { migrations: [{ vm: 'cpu-a', from: 'h3', to: 'h1', at: NOW - 60_000 }] };
    const p = plan(hotCluster(), {}, history);
    expect(p.actions[0].vm).not.toBe('cpu-a');
    expect(p.actions[0].reason.alternatives).toContainEqual({ candidate: 'cpu-a', rejected: 'in cooldown' });
  });
});

describe('global round: where to', () => {
  it('skips a destination without the free memory the VM occupies (as the hypervisor reports it)', () => {
    // h2 is the least loaded host but the hypervisor says only 512 MiB is free there; cpu-a uses 1 GiB.
    const p = plan(hotCluster([], { h2: { memoryFreeBytes: 512 * MiB }, h3: { memoryFreeBytes: 8 * GiB } }));
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ vm: 'cpu-a', to: 'h3' });
    expect(p.actions[0].reason.alternatives).toContainEqual({
      candidate: 'h2',
      rejected: `not enough free memory for cpu-a (${512 * MiB} bytes free)`,
    });
    // Unknown free memory is not a reason to refuse: the same cluster without the figure picks h2.
    expect(plan(hotCluster()).actions[0]).toMatchObject({ vm: 'cpu-a', to: 'h2' });
  });

  it('never picks a destination that would go over high, and moves nothing when none fits', () => {
    const s = hotCluster([vmOf('fill-h2', 'h2', vec(5, GiB)), vmOf('fill-h3', 'h3', vec(2, GiB))]);
    // h2 at 5 cores: cpu-a (3) would make 8/8; h3 at 4 + 3 = 7/8 = 0.875 > 0.85 too; web-c fits on h3.
    const p = plan(s);
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ vm: 'web-c', to: 'h3' });
    const full = hotCluster([vmOf('fill-h2', 'h2', vec(7, GiB)), vmOf('fill-h3', 'h3', vec(3.5, GiB))]);
    expect(plan(full).actions).toHaveLength(0);
  });
  it('respects anti-affinity', () => {
    const s = hotCluster([vmOf('peer', 'h2', vec(0.1, GiB))]);
    const p = plan(s, { antiAffinity: [{ vms: ['cpu-a', 'peer'] }] });
    expect(p.actions[0]).toMatchObject({ vm: 'cpu-a', to: 'h3' });
    expect(p.actions[0].reason.alternatives).toContainEqual({
      candidate: 'h2',
      rejected: 'anti-affinity rule 0',
    });
  });
  it('does not split an affinity group', () => {
    const p = plan(hotCluster(), { affinity: [{ vms: ['cpu-a', 'db-b'] }] });
    expect(p.actions[0].vm).toBe('web-c');
  });
  it('prefers the host of a communication partner', () => {
    const s = hotCluster([vmOf('partner', 'h3', vec(0.1, GiB))]);
    const p = plan(s, { communicationGroups: [{ name: 'shop', vms: ['cpu-a', 'partner'] }] });
    expect(p.actions[0]).toMatchObject({ vm: 'cpu-a', to: 'h3' });
  });
  it('does not put two disk-heavy VMs together when another host fits', () => {
    const s = snapshotOf(
      [hostOf('h1', 8, 16), hostOf('h2', 8, 16), hostOf('h3', 8, 16)],
      [
        vmOf('disk-a', 'h1', vec(3, GiB, 100 * MiB), { workload: 'disk' }),
        vmOf('cpu-b', 'h1', vec(5.2, GiB)),
        vmOf('disk-h2', 'h2', vec(0.1, GiB, 50 * MiB), { workload: 'disk' }),
        vmOf('cpu-h3', 'h3', vec(1, GiB)),
      ],
      NOW,
    );
    // cpu-b just migrated (cooldown), so disk-a must go: h2 already has a disk-heavy VM.
    const p = plan(s, {}, { migrations: [{ vm: 'cpu-b', from: 'h3', to: 'h1', at: NOW - 60_000 }] });
    expect(p.actions[0]).toMatchObject({ vm: 'disk-a', to: 'h3' });
  });
  it('never sends a VM back to the host it left within the ping-pong window', () => {
    const history = { migrations: [{ vm: 'cpu-a', from: 'h2', to: 'h1', at: NOW - 1_700_000 }] };
    // Cooldown over (400 s), but within the default ping-pong window of 15 rounds × 120 s (30 min).
    const p = plan(hotCluster(), { cooldownSeconds: 400 }, history);
    expect(p.actions[0]).toMatchObject({ vm: 'cpu-a', to: 'h3' });
    // Outside the window (15 rounds × 60 s = 900 s) h2 is fine again.
    expect(plan(hotCluster(), { cooldownSeconds: 400, t1Seconds: 60 }, history).actions[0].to).toBe('h2');
  });
  it('reserves the demand of a VM still in flight on its destination', () => {
    // cpu-a left for h2 60 s ago and is still reported on h1: h2 already carries its 3 cores.
    const s = hotCluster([vmOf('fill-h2', 'h2', vec(3, GiB))]);
    const history = { migrations: [{ vm: 'cpu-a', from: 'h1', to: 'h2', at: NOW - 60_000 }] };
    // Without the reservation db-b (3 cores) would fit on h2 (6/8); with it, h2 would be at 9/8.
    const p = plan(s, {}, history);
    expect(p.actions[0].to).toBe('h3');
    expect(p.actions[0].reason.alternatives).toContainEqual({
      candidate: 'h2',
      rejected: expect.stringMatching(/^cpu would be/),
    });
  });
  it("plans no move the pre-copy model says would outlast the applier's migration timeout", () => {
    const normal = plan(hotCluster());
    expect(normal.actions).toHaveLength(1);
    const est = normal.actions[0].reason.scores?.migrationSeconds ?? 0;
    expect(est).toBeGreaterThan(1);
    const tight = plan(hotCluster(), { migration: { timeoutSeconds: 1 } });
    expect(tight.actions).toEqual([]);
    const justEnough = plan(hotCluster(), { migration: { timeoutSeconds: est + 1 } });
    expect(justEnough.actions[0].vm).toBe(normal.actions[0].vm);
  });
  it('never uses a maintenance or held host as a destination', () => {
    expect(plan(hotCluster(), { maintenanceHosts: ['h2'] }).actions[0].to).toBe('h3');
    const stale = hotCluster([], { h2: { ageSeconds: 100 } });
    const p = plan(stale);
    expect(p.held).toEqual([{ host: 'h2', code: 'stale', reason: expect.stringMatching(/stale/) }]);
    expect(p.actions[0].to).toBe('h3');
  });
});

describe('global round: evacuation', () => {
  it('empties a maintenance host in sequence order within the budget', () => {
    const s = snapshotOf(
      [hostOf('m', 8, 32, undefined, { maintenance: true }), hostOf('h2', 16, 32), hostOf('h3', 16, 32)],
      [
        vmOf('ingest', 'm', vec(0.5, GiB, 0, 40 * MiB), {
          workload: 'net',
          netRxBytesPerSecond: 40 * MiB,
          memoryBytes: GiB,
        }),
        vmOf('big-cpu', 'm', vec(0.5, GiB), { memoryBytes: 4 * GiB }),
        vmOf('small-cpu', 'm', vec(0.5, GiB), { memoryBytes: GiB }),
        vmOf('web', 'm', vec(0.5, GiB), { workload: 'web', memoryBytes: 2 * GiB }),
        vmOf('db', 'm', vec(0.5, GiB), { workload: 'memory-dirty', memoryBytes: 4 * GiB }),
      ],
      NOW,
    );
    const p = plan(s, { maxMigrationsPerRound: 5 });
    expect(p.actions.map((a) => a.vm)).toEqual(['web', 'db', 'small-cpu', 'big-cpu', 'ingest']);
    expect(p.actions.every((a) => a.reason.rule === 'global.evacuate' && a.to !== 'm')).toBe(true);
    expect(plan(s).actions.map((a) => a.vm)).toEqual(['web']);
  });
});
