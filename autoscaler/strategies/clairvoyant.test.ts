import { GiB, hostOf, snapshotOf, vec, vmOf } from '../decision/cluster-builder';
import { foreseenSnapshot } from './clairvoyant';
import { createStrategy } from './registry';

const NOW = 1_000_000;

describe('clairvoyant reference', () => {
  const snapshot = snapshotOf(
    [hostOf('h1', 8, 16), hostOf('h2', 8, 16)],
    [
      vmOf('a', 'h1', vec(1, GiB)),
      vmOf('b', 'h1', vec(1, GiB), {
        workload: 'web',
        web: { requestsPerSecond: 100, throughputPerSecond: 20 },
      }),
      vmOf('c', 'h2', vec(1, GiB)),
    ],
    NOW,
  );
  // The future: a's demand grows 1 core per minute from now; the others stay at 0.5.
  const oracle = (vm: string, at: number) => vec(vm === 'a' ? 1 + (at - NOW) / 60_000 : 0.5, GiB);

  it('replaces every history by the future demand over the horizon, hosts by the sum of their VMs', () => {
    const f = foreseenSnapshot(snapshot, oracle, NOW, 120, 4);
    const a = f.vms.find((v) => v.name === 'a')!;
    expect(a.usageHistory.map((u) => u.cpu)).toEqual([1.5, 2, 2.5, 3]);
    const h1 = f.hosts.find((h) => h.name === 'h1')!;
    expect(h1.usageHistory.map((u) => u.cpu)).toEqual([2, 2.5, 3, 3.5]);
    // The demand is the whole demand: no backlog boost on top of it.
    const b = f.vms.find((v) => v.name === 'b')!;
    expect(b.web).toEqual({ requestsPerSecond: 100, throughputPerSecond: 100 });
    // The input is not modified.
    expect(snapshot.vms[0].usageHistory.map((u) => u.cpu)).toEqual([1, 1, 1, 1, 1]);
  });

  it('cannot be created without an oracle: it is not deployable', () => {
    expect(() => createStrategy('clairvoyant')).toThrow(/only in a simulation/);
    expect(createStrategy('clairvoyant', { oracle }).name).toBe('clairvoyant');
  });
});
