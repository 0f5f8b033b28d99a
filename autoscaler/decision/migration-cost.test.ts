import { preCopyCost } from './migration-cost';

const MiB = 1024 ** 2;
const base = { bandwidthBytesPerSecond: 100 * MiB, stopBytes: 10 * MiB, maxRounds: 30 };

describe('preCopyCost', () => {
  it('follows V_i = V_{i-1}·D/B until below the stop threshold', () => {
    // 1000 MiB, D/B = 0.5: 1000, 500, 250, 125, 62.5, 31.25, 15.625, 7.8125 (stop)
    const c = preCopyCost({ ...base, memoryBytes: 1000 * MiB, dirtyRateBytesPerSecond: 50 * MiB });
    expect(c.rounds).toBe(7);
    expect(c.transferredBytes / MiB).toBeCloseTo(1992.1875);
    expect(c.migrationSeconds).toBeCloseTo(19.921875);
    expect(c.downtimeSeconds).toBeCloseTo(0.078125);
  });
  it('a guest that dirties faster than the link stops after maxRounds with a big downtime', () => {
    const c = preCopyCost({
      ...base,
      maxRounds: 3,
      memoryBytes: 100 * MiB,
      dirtyRateBytesPerSecond: 200 * MiB,
    });
    expect(c.rounds).toBe(3);
    expect(c.transferredBytes / MiB).toBeCloseTo(400);
    expect(c.downtimeSeconds).toBeCloseTo(1);
  });
  it('costs grow with memory and with dirty rate', () => {
    const small = preCopyCost({ ...base, memoryBytes: 512 * MiB, dirtyRateBytesPerSecond: 10 * MiB });
    const big = preCopyCost({ ...base, memoryBytes: 2048 * MiB, dirtyRateBytesPerSecond: 10 * MiB });
    const dirty = preCopyCost({ ...base, memoryBytes: 512 * MiB, dirtyRateBytesPerSecond: 80 * MiB });
    expect(big.migrationSeconds).toBeGreaterThan(small.migrationSeconds);
    expect(dirty.migrationSeconds).toBeGreaterThan(small.migrationSeconds);
  });
  it('rejects a zero bandwidth', () => {
    expect(() =>
      preCopyCost({ ...base, bandwidthBytesPerSecond: 0, memoryBytes: 1, dirtyRateBytesPerSecond: 0 }),
    ).toThrow(/bandwidth/);
  });
});
