import fc from 'fast-check';
import { defaultPlannerConfig } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planLocalRound } from './planner';
import { buildRoundView } from './points';
import { vcpuLayout } from './vcpu-pinning';
import { planVcpus } from './vcpus';

const cfg = defaultPlannerConfig({ vcpuHotplug: { enabled: true } });

function cpuHistory(vm: ReturnType<typeof vmOf>, cpu: number[]) {
  vm.usageHistory = cpu.map((c) => vec(c, GiB));
  return vm;
}

function plan(cpus: number, vms: ReturnType<typeof vmOf>[], c = cfg) {
  const snap = snapshotOf([hostOf('h', cpus, 16)], vms);
  const view = buildRoundView(snap, c);
  return planVcpus(view.hosts.get('h')!.host, view.hosts.get('h')!, view.vmsByHost.get('h')!, c);
}

describe('vCPU hot-plug', () => {
  it('adds vCPUs to a VM bounded by its count while the host has idle cores, with the reason', () => {
    const vm = cpuHistory(vmOf('web', 'h', vec(2, GiB), { vcpus: 2, maxVcpus: 8 }), [2, 2, 1.95, 2, 2]);
    const { actions } = plan(8, [vm]);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      kind: 'set_vcpus',
      vm: 'web',
      params: { count: 4 },
      before: { count: 2 },
    });
    expect(actions[0].reason.rule).toBe('local.vcpus.add');
    expect(actions[0].reason.text).toMatch(/2 → 4 vCPUs \(max 8\)/);
  });

  it('adds no more than the idle cores and never past maxVcpus', () => {
    const busy = cpuHistory(vmOf('a', 'h', vec(2, GiB), { vcpus: 2, maxVcpus: 3 }), [2, 2, 2, 2, 2]);
    expect(plan(8, [busy]).actions[0].params.count).toBe(3);
    const other = vmOf('b', 'h', vec(5.5, GiB), { vcpus: 6 });
    const tight = cpuHistory(vmOf('a', 'h', vec(2, GiB), { vcpus: 2, maxVcpus: 8 }), [2, 2, 2, 2, 2]);
    expect(plan(8, [tight, other]).actions).toEqual([]); // 0.5 idle cores: no whole core
  });

  it('needs k of n busy observations (a single spike is not a bound)', () => {
    const vm = cpuHistory(vmOf('a', 'h', vec(0, GiB), { vcpus: 2, maxVcpus: 4 }), [0.3, 0.3, 0.3, 0.3, 2]);
    expect(plan(8, [vm]).actions).toEqual([]);
  });

  it('removes one vCPU from a VM idle in idleK of idleN observations, never below minVcpus', () => {
    const idle = cpuHistory(
      vmOf('a', 'h', vec(0, GiB), { vcpus: 4, maxVcpus: 4 }),
      [0.2, 0.3, 0.1, 0.2, 0.2],
    );
    const { actions } = plan(8, [idle]);
    expect(actions.map((a) => [a.params.count, a.reason.rule])).toEqual([[3, 'local.vcpus.remove']]);
    const floor = cpuHistory(vmOf('a', 'h', vec(0, GiB), { vcpus: 2, maxVcpus: 4 }), [0, 0, 0, 0, 0]);
    expect(
      plan(8, [floor], defaultPlannerConfig({ vcpuHotplug: { enabled: true, minVcpus: 2 } })).actions,
    ).toEqual([]);
    const lull = cpuHistory(vmOf('a', 'h', vec(0, GiB), { vcpus: 4, maxVcpus: 4 }), [3, 3, 0.1, 0.1, 0.1]);
    expect(plan(8, [lull]).actions).toEqual([]); // 3 of 5 idle: not persistently
  });

  it('does nothing when disabled (the default)', () => {
    const vm = cpuHistory(vmOf('a', 'h', vec(2, GiB), { vcpus: 2, maxVcpus: 8 }), [2, 2, 2, 2, 2]);
    expect(plan(8, [vm], defaultPlannerConfig()).actions).toEqual([]);
  });

  it('property: never past maxVcpus or below minVcpus, and adds fit in the idle cores', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(
          fc.record({
            vcpus: fc.integer({ min: 1, max: 8 }),
            extra: fc.integer({ min: 0, max: 8 }),
            use: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (cpus, specs) => {
          const vms = specs.map((s, i) =>
            cpuHistory(
              vmOf(`v${i}`, 'h', vec(0, GiB), { vcpus: s.vcpus, maxVcpus: s.vcpus + s.extra }),
              s.use.map((u) => u * s.vcpus),
            ),
          );
          const snap = snapshotOf([hostOf('h', cpus, 16)], vms);
          const view = buildRoundView(snap, cfg);
          const hv = view.hosts.get('h')!;
          const { actions } = planVcpus(hv.host, hv, view.vmsByHost.get('h')!, cfg);
          let added = 0;
          for (const a of actions) {
            const vm = vms.find((v) => v.name === a.vm)!;
            expect(a.params.count).toBeLessThanOrEqual(vm.maxVcpus!);
            expect(a.params.count).toBeGreaterThanOrEqual(cfg.vcpuHotplug.minVcpus);
            expect(Math.abs(a.params.count - vm.vcpus)).toBeGreaterThanOrEqual(1);
            added += Math.max(0, a.params.count - vm.vcpus);
          }
          expect(added).toBeLessThanOrEqual(
            Math.max(0, Math.floor(hv.host.capacity.cpu - hv.demand.cpu + 1e-9)),
          );
        },
      ),
    );
  });
});

describe('pin or share after a vCPU change (seed 002)', () => {
  it('pins each vCPU to a core of its own while vCPUs ≤ cores, and shares otherwise', () => {
    const a = vmOf('a', 'h', vec(1, GiB), { vcpus: 2 });
    const b = vmOf('b', 'h', vec(1, GiB), { vcpus: 1 });
    const view = buildRoundView(snapshotOf([hostOf('h', 4, 16)], [a, b]), cfg);
    const vms = view.vmsByHost.get('h')!;
    const host = view.hosts.get('h')!.host;
    const fits = vcpuLayout(host, vms, new Map([['a', 3]]));
    expect(fits.pinned).toBe(true);
    expect([...fits.cpus]).toEqual([
      ['a', [[0], [1], [2]]],
      ['b', [[3]]],
    ]);
    const over = vcpuLayout(host, vms, new Map([['a', 4]]));
    expect(over.pinned).toBe(false);
    expect(over.cpus.get('b')).toEqual([[0, 1, 2, 3]]);
  });

  it('a local round emits set_vcpus before the pinning of the new layout, each with a reason', () => {
    const busy = cpuHistory(vmOf('a', 'h', vec(2, GiB), { vcpus: 2, maxVcpus: 4 }), [2, 2, 2, 2, 2]);
    const calm = cpuHistory(vmOf('b', 'h', vec(0.5, GiB), { vcpus: 1 }), [0.5, 0.5, 0.5, 0.5, 0.5]);
    const p = planLocalRound({
      snapshot: snapshotOf([hostOf('h', 8, 16)], [busy, calm]),
      config: cfg,
      history: { migrations: [] },
      now: 1_000_000,
    });
    const kinds = p.actions.filter((x) => x.kind === 'set_vcpus' || x.kind === 'pin_vcpus');
    expect(kinds.map((x) => [x.kind, x.vm, x.params])).toEqual([
      ['set_vcpus', 'a', { count: 4 }],
      ['pin_vcpus', 'a', { vcpu: 0, cpus: [0] }],
      ['pin_vcpus', 'a', { vcpu: 1, cpus: [1] }],
      ['pin_vcpus', 'a', { vcpu: 2, cpus: [2] }],
      ['pin_vcpus', 'a', { vcpu: 3, cpus: [3] }],
      ['pin_vcpus', 'b', { vcpu: 0, cpus: [4] }],
    ]);
    expect(kinds.every((x) => x.reason.rule.startsWith('local.vcpus.'))).toBe(true);
  });
});
