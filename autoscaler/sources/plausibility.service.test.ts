// The plausibility gate in the running service, with the real planner (vmpilot strategy):
// a hotspot it acts on when the numbers are plausible, and the same hotspot with one
// number that cannot be true (1e300, 0 CPUs, negative, stamped in the future) → that host
// held with `implausible_metrics`, 0 actions, the round not "ok", /readyz not ready.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { hotspotService } from '../../test/autoscaler/hotspot-rig';

const GiB = 2 ** 30;

type Damage = (s: ClusterSnapshot) => void;

function rig(damage?: Damage) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-plausible-'));
  const applier = { migrationTimeoutSeconds: 5, callTimeoutSeconds: 1 };
  const { service, journal } = hotspotService({ dir, damage, applier, web3: true });
  return { service, journal, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const hostA = (s: ClusterSnapshot) => s.hosts.find((h) => h.name === 'a')!;
const web1 = (s: ClusterSnapshot) => s.vms.find((v) => v.name === 'web1')!;

describe('the plausibility gate in the service (real planner)', () => {
  it('acts on the plausible hotspot (the baseline the other cases differ from by one number)', async () => {
    const t = rig();
    try {
      const { plan } = await t.service.planRound('both');
      expect(plan.held).toEqual([]);
      expect(plan.actions.length).toBeGreaterThan(0);
    } finally {
      t.cleanup();
    }
  });

  const cases: [string, Damage, RegExp][] = [
    [
      'a VM memory demand of 1e300 bytes',
      (s) => (web1(s).usageHistory[4].mem = 1e300),
      /web1 usage mem = 1e\+300/,
    ],
    [
      'a VM CPU demand of 1e300 cores',
      (s) => (web1(s).usageHistory[4].cpu = 1e300),
      /web1 usage cpu = 1e\+300/,
    ],
    [
      'a VM balloon of 1e300 bytes',
      (s) => (web1(s).allocation.balloonBytes = 1e300),
      /web1 balloon = 1e\+300/,
    ],
    ['1e6 cores used by one VM', (s) => (web1(s).usageHistory[4].cpu = 1e6), /web1 usage cpu = 1000000/],
    ['a host with 0 CPUs', (s) => ((hostA(s).cpus = 0), (hostA(s).capacity.cpu = 0)), /host CPU count = 0/],
    ['a host with 0 bytes of memory', (s) => (hostA(s).capacity.mem = 0), /host memory = 0 bytes/],
    [
      'a negative VM CPU demand',
      (s) => (web1(s).usageHistory[4].cpu = -3),
      /web1 usage cpu = -3 \(negative\)/,
    ],
    ['a negative host disk rate', (s) => (hostA(s).usageHistory[0].disk = -1), /host usage disk = -1/],
    ['NaN as a VM network rate', (s) => (web1(s).usageHistory[2].net = Number.NaN), /net = NaN/],
    ['a sample an hour in the future', (s) => (hostA(s).ageSeconds = -3600), /3600 s in the future/],
    // The in-memory source's numbers are exact (no rate()): no rate() error is allowed for.
    [
      'a host using 1.2 × its cores, from a source with exact numbers',
      (s) => (hostA(s).usageHistory[4].cpu = 4.8),
      /host usage cpu = 4\.8 \(above 4 cores × 1\.05 = 4\.2\)/,
    ],
  ];

  it.each(cases)('holds the host on %s: 0 actions, reason names the metric', async (_what, damage, named) => {
    const t = rig(damage);
    try {
      const { plan } = await t.service.planRound('both');
      expect(plan.actions).toEqual([]);
      const a = plan.held.find((h) => h.host === 'a');
      expect(a?.code).toBe('implausible_metrics');
      expect(a?.reason).toMatch(named);
      // Through the applier too: a round journals nothing.
      const r = await t.service.runRound('global');
      expect(r.events).toEqual([]);
      expect(t.journal.events()).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('a round with every host held is not ok and /readyz is not ready', async () => {
    const t = rig((s) => {
      for (const h of s.hosts) h.usageHistory[4].cpu = 1e300;
    });
    try {
      const r = await t.service.runRound('local');
      expect(r.outcome).toBe('held');
      expect(t.service.lastSuccessAt).toBeNull();
      const ready = t.service.readiness();
      expect(ready.ready).toBe(false);
      expect(ready.reason).toMatch(/implausible metrics/);
    } finally {
      t.cleanup();
    }
  });

  it('a held round after an ok one makes /readyz not ready at once', async () => {
    let bad = false;
    const t = rig((s) => {
      if (bad) for (const h of s.hosts) h.capacity.mem = 0;
    });
    try {
      expect((await t.service.runRound('local')).outcome).toBe('ok');
      expect(t.service.readiness().ready).toBe(true);
      bad = true;
      expect((await t.service.runRound('local')).outcome).toBe('held');
      expect(t.service.readiness()).toMatchObject({ ready: false });
    } finally {
      t.cleanup();
    }
  });

  it('holds a VM without samples itself, keeps its host tunable and counts it at its last demand', async () => {
    let migrated = false;
    const t = rig((s) => {
      // web3 just arrived on a (e.g. migrated): no samples of it there yet.
      if (migrated) s.vms.find((v) => v.name === 'web3')!.usageHistory = [];
    });
    try {
      const first = await t.service.planRound('both');
      expect(first.plan.held).toEqual([]);
      migrated = true;
      const { plan, observation } = await t.service.planRound('both');
      expect(plan.held).toEqual([]);
      expect(plan.heldVms).toEqual([expect.objectContaining({ vm: 'web3', host: 'a', code: 'no_samples' })]);
      expect(plan.actions.filter((a) => a.vm === 'web3')).toEqual([]);
      // Host a is still tuned for the others.
      expect(plan.actions.filter((a) => a.from === 'a').length).toBeGreaterThan(0);
      // Counted at its last known demand (0 cores, 1 GiB here) in its own and its host's history.
      const web3 = observation!.snapshot.vms.find((v) => v.name === 'web3')!;
      expect(web3.usageHistory.at(-1)).toEqual({ cpu: 0, mem: GiB, disk: 0, net: 0 });
      expect(hostA(observation!.snapshot).usageHistory.at(-1)!.mem).toBe(4 * GiB);
    } finally {
      t.cleanup();
    }
  });

  it('holds the host when a VM without samples has no known demand yet', async () => {
    const t = rig((s) => (s.vms.find((v) => v.name === 'web3')!.usageHistory = []));
    try {
      const { plan } = await t.service.planRound('both');
      expect(plan.held).toEqual([expect.objectContaining({ host: 'a', code: 'partial' })]);
      expect(plan.actions.filter((a) => a.from === 'a' || a.to === 'a')).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
