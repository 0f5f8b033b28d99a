// Placement of a new VM goes through the global planner's destination rule: the least
// loaded host that stays under `high`, never a held, ignored or maintenance host, free
// memory and pins respected; nothing fits → no host, with every host's reason.
import { defaultPlannerConfig, plannerConfigSchema } from './config';
import { GiB, hostOf, snapshotOf, vec, vmOf } from './cluster-builder';
import { planPlacement, type PlacementRequest } from './place';
import type { ClusterSnapshot } from '../../core/model/snapshot';

const NOW = 1_000_000;

/** a: 8 cores half busy; b: 8 cores nearly idle; c: 16 cores, little free memory. */
function cluster(): ClusterSnapshot {
  return snapshotOf(
    [
      hostOf('a', 8, 32, undefined, { memoryFreeBytes: 20 * GiB }),
      hostOf('b', 8, 32, undefined, { memoryFreeBytes: 20 * GiB }),
      hostOf('c', 16, 32, undefined, { memoryFreeBytes: 1 * GiB }),
    ],
    [vmOf('busy', 'a', vec(4, 4 * GiB)), vmOf('quiet', 'b', vec(0.5, GiB))],
    NOW,
  );
}

const place = (req: PlacementRequest, snapshot = cluster(), config = defaultPlannerConfig()) =>
  planPlacement({ snapshot, config, history: { migrations: [] }, now: NOW }, req);

describe('planPlacement', () => {
  it('picks the least loaded host that fits, and says why the others lost', () => {
    const p = place({ vcpus: 2, memoryBytes: 4 * GiB });
    expect(p.host).toBe('b');
    expect(p.reason.rule).toBe('place');
    expect(p.reason.text).toMatch(/^b: stays under high \(85 %\) on every resource/);
    // c has the most idle CPU but not the memory: rejected with the free-memory reason.
    expect(p.reason.alternatives).toEqual(
      expect.arrayContaining([{ candidate: 'c', rejected: expect.stringMatching(/not enough free memory/) }]),
    );
    expect(p.reason.scores?.destinationMaxLoadAfter).toBeGreaterThan(0);
  });

  it('never picks a host in maintenance, held or ignored, and lists why', () => {
    const s = cluster();
    s.hosts.find((h) => h.name === 'b')!.maintenance = true;
    const p = place({ vcpus: 2, memoryBytes: 4 * GiB }, s);
    expect(p.host).toBe('a');
    expect(p.notConsidered).toEqual([{ host: 'b', reason: 'in maintenance: no new VMs' }]);

    const stale = cluster();
    stale.hosts.find((h) => h.name === 'b')!.up = false;
    const q = place({ vcpus: 2, memoryBytes: 4 * GiB }, stale);
    expect(q.host).toBe('a');
    expect(q.notConsidered.map((h) => h.host)).toEqual(['b']);

    const ignored = plannerConfigSchema.parse({ ignoredHosts: ['b'] });
    expect(place({ vcpus: 2, memoryBytes: 4 * GiB }, cluster(), ignored).host).toBe('a');
  });

  it('honours a pin set for a named VM', () => {
    const cfg = plannerConfigSchema.parse({ pins: [{ vms: ['db-*'], hosts: ['a'] }] });
    expect(place({ name: 'db-7', vcpus: 2, memoryBytes: 4 * GiB }, cluster(), cfg).host).toBe('a');
    expect(place({ name: 'web-7', vcpus: 2, memoryBytes: 4 * GiB }, cluster(), cfg).host).toBe('b');
  });

  it('says so when nothing fits, naming each host', () => {
    const p = place({ vcpus: 12, memoryBytes: 4 * GiB });
    expect(p.host).toBeUndefined();
    expect(p.reason.rule).toBe('place.none');
    expect(p.reason.text).toMatch(/^no host fits a VM of 12 vCPU\(s\), 4\.0 GiB \(/);
    for (const h of ['a', 'b', 'c']) expect(p.reason.text).toContain(`${h}: `);
  });

  it('refuses the name of a VM that exists', () => {
    expect(() => place({ name: 'busy', vcpus: 1, memoryBytes: GiB })).toThrow(/exists already/);
  });
});
