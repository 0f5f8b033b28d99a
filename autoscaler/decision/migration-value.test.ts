import { preCopy, PRECOPY_DEFAULTS } from '../../core/model/precopy';
import { vec } from './cluster-builder';
import { expectedLoss, horizonLoss, lostFraction, moveValue, type MoveValueInput } from './migration-value';

const GiB = 1024 ** 3;
const estimate = (dirty: number) =>
  preCopy({ ...PRECOPY_DEFAULTS, memoryBytes: 4 * GiB, dirtyRateBytesPerSecond: dirty });

function input(srcCpu: number, dirty = 0, spread = 0): MoveValueInput {
  return {
    source: {
      before: vec(srcCpu, 0.5),
      after: vec(srcCpu - 0.25, 0.4),
      spread: vec(spread, 0),
      vms: 6,
      cpuCores: 8,
    },
    destination: { before: vec(0.3, 0.3), after: vec(0.55, 0.4), spread: vec(0, 0), vms: 3, cpuCores: 8 },
    hot: ['cpu'],
    estimate: estimate(dirty),
    dirtyRateBytesPerSecond: dirty,
    streamBytesPerSecond: PRECOPY_DEFAULTS.bandwidthBytesPerSecond,
    horizonSeconds: 600,
    confidence: 1,
  };
}

describe('migration value (relief vs cost, VM-seconds)', () => {
  it('loses service only above capacity; the spread makes a near-capacity host lose a little', () => {
    expect(lostFraction(0.95)).toBe(0);
    expect(lostFraction(1.25)).toBeCloseTo(0.2);
    expect(expectedLoss(0.95, 0)).toBe(0);
    expect(expectedLoss(0.95, 0.1)).toBeGreaterThan(0);
    expect(expectedLoss(0.95, 0.1)).toBeLessThan(lostFraction(1.05));
  });

  it('a steady host under capacity gives no relief; an overloaded one gives relief growing with the overload', () => {
    expect(moveValue(input(0.95)).reliefVmSeconds).toBe(0);
    const a = moveValue(input(1.1)).reliefVmSeconds;
    const b = moveValue(input(1.3)).reliefVmSeconds;
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(moveValue({ ...input(1.1), confidence: 0.5 }).reliefVmSeconds).toBeCloseTo(a / 2);
  });

  it('costs more for a memory-dirtying VM (longer, and slowed by dirty-page tracking)', () => {
    const quiet = moveValue(input(1.1, 1e6));
    const dirty = moveValue(input(1.1, 30e6));
    expect(dirty.movingSlowdown).toBeGreaterThan(quiet.movingSlowdown);
    expect(dirty.costVmSeconds).toBeGreaterThan(quiet.costVmSeconds);
    // The copy's CPU on an overloaded source costs its neighbours something.
    expect(quiet.neighbourLoss).toBeGreaterThan(0);
  });

  describe('over a horizon the present does not fill (horizon history)', () => {
    // A 4-core host whose CPU swings: 20 steps alternating 5 at 1.3 and 5 at 0.6 of its cores.
    const swinging = [
      ...Array(5).fill(1.3),
      ...Array(5).fill(0.6),
      ...Array(5).fill(1.3),
      ...Array(5).fill(0.6),
    ];
    const quiet = [
      ...Array(5).fill(0.4),
      ...Array(5).fill(0.4),
      ...Array(5).fill(0.4),
      ...Array(5).fill(0.4),
    ];

    it('horizonLoss mixes the present (its share) with the history (the rest)', () => {
      const side = { ...input(1.3).source, presentShare: 0.25 };
      const now = horizonLoss(side, side.before, ['cpu'], undefined);
      expect(now).toBeCloseTo(lostFraction(1.3));
      const mixed = horizonLoss(side, side.before, ['cpu'], swinging);
      expect(mixed).toBeCloseTo(0.25 * lostFraction(1.3) + 0.75 * (lostFraction(1.3) / 2));
      // Share 1 or no CPU among the resources: the present alone.
      expect(horizonLoss({ ...side, presentShare: 1 }, side.before, ['cpu'], swinging)).toBeCloseTo(now);
      expect(horizonLoss(side, side.before, ['mem'], swinging)).toBe(0);
    });

    it('a source that cools on its own gains less than a steadily hot one', () => {
      const steady = moveValue(input(1.3));
      const base = input(1.3);
      const bursty = moveValue({
        ...base,
        source: {
          ...base.source,
          presentShare: 0,
          cpuHistory: swinging,
          cpuHistoryAfter: swinging.map((c) => c - 0.25),
        },
      });
      expect(bursty.reliefVmSeconds).toBeGreaterThan(0);
      expect(bursty.reliefVmSeconds).toBeLessThan(steady.reliefVmSeconds * 0.6);
    });

    it('a destination whose bursts meet the moving VM’s relieves less; beside a source that cools on its own, it is a loss', () => {
      const base = input(1.3);
      const plus = (cpu: readonly number[], d: number) => cpu.map((c) => c + d);
      const to = (cpu: readonly number[]) => ({
        ...base.destination,
        presentShare: 0,
        cpuHistory: cpu,
        cpuHistoryAfter: plus(cpu, 0.25),
      });
      const calm = moveValue({ ...base, destination: to(quiet) });
      const bursting = moveValue({ ...base, destination: to(swinging) });
      expect(calm.reliefVmSeconds).toBeCloseTo(moveValue(base).reliefVmSeconds);
      expect(bursting.reliefVmSeconds).toBeLessThan(calm.reliefVmSeconds * 0.8);
      // Two like hosts (6 VMs each) that burst in phase: the VM's burst only changes hosts.
      const twin = [
        ...Array(5).fill(1.1),
        ...Array(5).fill(0.6),
        ...Array(5).fill(1.1),
        ...Array(5).fill(0.6),
      ];
      const inPhase = moveValue({
        ...input(1.1),
        source: {
          ...input(1.1).source,
          presentShare: 0,
          cpuHistory: twin,
          cpuHistoryAfter: plus(twin, -0.25),
        },
        destination: { ...to(twin), vms: 6 },
      });
      expect(inPhase.reliefVmSeconds).toBe(0);
      expect(inPhase.reliefVmSeconds).toBeLessThan(inPhase.costVmSeconds);
    });
  });
});
