// Learned-profile samples (issue 13 item 5): taken from the snapshot each round, persisted
// beside the journal and read back by a new store; VMs with a configured profile are left
// to it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GiB, hostOf, snapshotOf, vec, vmOf } from '../decision/cluster-builder';
import { defaultPlannerConfig } from '../decision/config';
import { ProfileStore, profilesFileFor } from './profile-store';

const web = (cpu: number, rt: number) =>
  vmOf('w', 'h', vec(cpu, GiB), {
    workload: 'web',
    web: { requestsPerSecond: 40, throughputPerSecond: 40, responseTimeSeconds: rt },
    sli: { value: rt, target: 1, higherIsBetter: false },
  });

describe('ProfileStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-profiles-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('learns from rounds at different CPU levels, persists beside the journal, and a new store reads it back', () => {
    const file = profilesFileFor(path.join(dir, 'journal.jsonl'));
    expect(file).toBe(path.join(dir, 'journal.jsonl.profiles.json'));
    const store = new ProfileStore(file);
    const cfg = defaultPlannerConfig({ serviceLevel: { learnProfiles: true } });
    for (const [cpu, rt] of [
      [0.9, 2],
      [1.2, 0.2],
      [1.6, 0.06],
    ] as const)
      for (let i = 0; i < 3; i++) store.observe(snapshotOf([hostOf('h', 4, 8)], [web(cpu, rt)]));
    const [learned] = store.profiles(cfg);
    expect(learned.vm).toBe('w');
    const values = learned.rows[0].points.map((p) => p.value);
    [2, 0.2, 0.06].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 12));
    store.save();
    const again = new ProfileStore(file);
    expect(again.samplesOf('w')).toEqual(store.samplesOf('w'));
    // A configured profile wins: nothing learned is offered for that VM.
    const configured = defaultPlannerConfig({
      serviceLevel: {
        profiles: [
          {
            vm: 'w*',
            rows: [
              {
                load: 40,
                points: [
                  { cpuCores: 1, value: 1 },
                  { cpuCores: 2, value: 0.1 },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(again.profiles(configured)).toEqual([]);
  });

  it('a torn file starts learning over instead of failing', () => {
    const file = path.join(dir, 'torn.profiles.json');
    writeFileSync(file, '{"version":1,"vms":{"w":[{"load"');
    expect(new ProfileStore(file).samplesOf('w')).toEqual([]);
  });

  it('marks samples taken under a probe and keeps the probed bands across a restart', () => {
    const file = profilesFileFor(path.join(dir, 'journal.jsonl'));
    const store = new ProfileStore(file);
    store.observe(snapshotOf([hostOf('h', 4, 8)], [web(1, 0.05)]));
    store.observe(snapshotOf([hostOf('h', 4, 8)], [web(0.8, 30)]), new Set(['w']));
    expect(store.samplesOf('w').map((s) => s.probe)).toEqual([undefined, true]);
    store.keepProbed([{ vm: 'w', loadBand: 35, at: 1234 }]);
    const again = new ProfileStore(file);
    expect(again.probedBands()).toEqual([{ vm: 'w', loadBand: 35, at: 1234 }]);
    expect(again.samplesOf('w')).toEqual(store.samplesOf('w'));
  });
});
