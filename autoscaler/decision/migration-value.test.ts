import { preCopy, PRECOPY_DEFAULTS } from '../../core/model/precopy';
import { vec } from './cluster-builder';
import { expectedLoss, lostFraction, moveValue, type MoveValueInput } from './migration-value';

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
});
