import { defaultPlannerConfig } from './config';
import { MiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { classifyVm, planPinning } from './contention';
import { buildRoundView } from './points';

const cfg = defaultPlannerConfig();

function viewOf(cpus: number, vms: ReturnType<typeof vmOf>[]) {
  const view = buildRoundView(snapshotOf([hostOf('h', cpus, 16)], vms), cfg);
  return { host: view.hosts.get('h')!.host, vms: view.vmsByHost.get('h')! };
}

describe('classification', () => {
  it('tells cache-intensive, io-bound and cpu-bound VMs apart', () => {
    const { host, vms } = viewOf(8, [
      vmOf('llc', 'h', vec(1, 0), { cacheMissesPerKiloInstruction: 25 }),
      vmOf('io', 'h', vec(0.2, 0, 150 * MiB)),
      vmOf('cpu', 'h', vec(2, 0), { cacheMissesPerKiloInstruction: 1 }),
    ]);
    expect(vms.map((v) => classifyVm(v, host.capacity, cfg).cls)).toEqual([
      'cache-intensive',
      'io-bound',
      'cpu-bound',
    ]);
  });
});

describe('pinning', () => {
  it('gives two cache-intensive VMs disjoint cores and lets the others float on the rest', () => {
    const { host, vms } = viewOf(8, [
      vmOf('llc-a', 'h', vec(1, 0), { vcpus: 2, cacheMissesPerKiloInstruction: 30 }),
      vmOf('llc-b', 'h', vec(1, 0), { vcpus: 2, cacheMissesPerKiloInstruction: 15 }),
      vmOf('other', 'h', vec(1, 0), { vcpus: 1 }),
    ]);
    const pins = planPinning(host, vms, cfg).map((a) => [a.vm, a.params.vcpu, a.params.cpus]);
    expect(pins).toEqual([
      ['llc-a', 0, [0]],
      ['llc-a', 1, [1]],
      ['llc-b', 0, [2]],
      ['llc-b', 1, [3]],
      ['other', 0, [4, 5, 6, 7]],
    ]);
  });
  it('does nothing with a single cache-intensive VM or when their vCPUs exceed the cores', () => {
    const one = viewOf(8, [
      vmOf('llc-a', 'h', vec(1, 0), { cacheMissesPerKiloInstruction: 30 }),
      vmOf('x', 'h', vec(1, 0)),
    ]);
    expect(planPinning(one.host, one.vms, cfg)).toEqual([]);
    const tight = viewOf(2, [
      vmOf('llc-a', 'h', vec(1, 0), { vcpus: 2, cacheMissesPerKiloInstruction: 30 }),
      vmOf('llc-b', 'h', vec(1, 0), { vcpus: 2, cacheMissesPerKiloInstruction: 30 }),
    ]);
    expect(planPinning(tight.host, tight.vms, cfg)).toEqual([]);
  });
  it('does not re-emit a pinning already in place', () => {
    const { host, vms } = viewOf(4, [
      vmOf('llc-a', 'h', vec(1, 0), {
        vcpus: 1,
        cacheMissesPerKiloInstruction: 30,
        allocation: { pinning: [[0]] },
      }),
      vmOf('llc-b', 'h', vec(1, 0), {
        vcpus: 1,
        cacheMissesPerKiloInstruction: 30,
        allocation: { pinning: [[1]] },
      }),
    ]);
    expect(planPinning(host, vms, cfg)).toEqual([]);
  });
});
