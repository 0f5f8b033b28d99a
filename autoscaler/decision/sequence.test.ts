import { defaultPlannerConfig } from './config';
import { GiB, MiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { classifyVm } from './contention';
import { buildRoundView } from './points';
import { orderMigrations, sequenceClass } from './sequence';

const cfg = defaultPlannerConfig();

function sequenced(vms: ReturnType<typeof vmOf>[]) {
  const view = buildRoundView(snapshotOf([hostOf('h', 8, 32)], vms), cfg);
  return [...view.vms.values()].map((v) => ({
    view: v,
    traits: classifyVm(v, view.hosts.get('h')!.host.capacity, cfg),
  }));
}

describe('migration order', () => {
  it('puts dirty-memory and web first, net-receive-heavy last, the rest shortest-job-first', () => {
    const vms = sequenced([
      vmOf('rx', 'h', vec(0.2, GiB), { netRxBytesPerSecond: 50 * MiB, memoryBytes: 512 * MiB }),
      vmOf('big', 'h', vec(0.2, GiB), { memoryBytes: 8 * GiB }),
      vmOf('small', 'h', vec(0.2, GiB), { memoryBytes: GiB }),
      vmOf('dirty', 'h', vec(0.2, GiB), { dirtyRateBytesPerSecond: 100 * MiB, memoryBytes: 4 * GiB }),
      vmOf('web', 'h', vec(0.2, GiB), { workload: 'web', memoryBytes: 2 * GiB }),
    ]);
    expect(orderMigrations(vms).map((s) => s.view.vm.name)).toEqual(['web', 'dirty', 'small', 'big', 'rx']);
    expect(vms.map(sequenceClass)).toEqual([2, 1, 1, 0, 0]);
  });
  it('breaks ties by name so plans are deterministic', () => {
    const vms = sequenced([vmOf('b', 'h', vec(0.1, GiB)), vmOf('a', 'h', vec(0.1, GiB))]);
    expect(orderMigrations(vms).map((s) => s.view.vm.name)).toEqual(['a', 'b']);
  });
});
