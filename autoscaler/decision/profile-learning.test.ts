import fc from 'fast-check';
import { learnedBands, learnedRows, loadBandOf, type ProfileSample } from './profile-learning';
import { profileValue } from './service-level';

/** A web server's response time: c / (1 − λc/cores) (the queue the simulator runs), c = 0.02 s. */
const rt = (load: number, cores: number) => 0.02 / Math.max(1e-3, 1 - (load * 0.02) / cores);

describe('learned profiles', () => {
  it('nothing to learn from too few samples or from one CPU level only', () => {
    expect(learnedRows([])).toBeUndefined();
    const oneLevel: ProfileSample[] = Array.from({ length: 20 }, () => ({
      load: 40,
      cpuCores: 1,
      value: rt(40, 1),
    }));
    expect(learnedRows(oneLevel)).toBeUndefined();
  });

  it('from samples of a known curve, the learned table predicts it between the sampled points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 60 }), (load) => {
        const samples: ProfileSample[] = [];
        for (const cores of [1, 1.5, 2, 3])
          for (let i = 0; i < 3; i++) samples.push({ load, cpuCores: cores, value: rt(load, cores) });
        const rows = learnedRows(samples);
        expect(rows).toHaveLength(1);
        // Between two sampled points the interpolation lies between their values.
        const mid = profileValue(rows ?? [], load, 2.5);
        expect(mid).toBeLessThanOrEqual(rt(load, 2) + 1e-12);
        expect(mid).toBeGreaterThanOrEqual(rt(load, 3) - 1e-12);
        expect(profileValue(rows ?? [], load, 2)).toBeCloseTo(rt(load, 2), 9);
      }),
    );
  });

  it('a point with a sample taken under a probe counts from that one sample; without the mark it does not', () => {
    const natural: ProfileSample[] = Array.from({ length: 5 }, () => ({
      load: 25,
      cpuCores: 0.5,
      value: 0.05,
    }));
    const probeSample: ProfileSample = { load: 25, cpuCores: 0.4, value: 30, probe: true };
    expect(learnedRows([...natural, { ...probeSample, probe: undefined }])).toBeUndefined();
    const rows = learnedRows([...natural, probeSample]);
    expect(rows?.map((r) => r.points)).toEqual([
      [
        { cpuCores: 0.4, value: 30 },
        { cpuCores: 0.5, value: 0.05 },
      ],
    ]);
    expect(learnedBands([...natural, probeSample])).toEqual(new Set([loadBandOf(25)]));
    expect(loadBandOf(25)).not.toBe(loadBandOf(50));
  });
});
