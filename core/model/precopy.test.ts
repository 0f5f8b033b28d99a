import { MIGRATION_CALIBRATION, predictTable1, type Table1Workload } from './precopy-calibration';
import { MiB, preCopy, streamBandwidth } from './precopy';

const engine = { bandwidthBytesPerSecond: 100, stopBytes: 100, maxRounds: 30 };

describe('pre-copy model (SPEC §7)', () => {
  it('follows V_i = V_{i-1}·D/B until below the stop threshold', () => {
    const r = preCopy({ ...engine, memoryBytes: 1000, dirtyRateBytesPerSecond: 50 });
    expect(r.roundBytes).toEqual([1000, 500, 250, 125, 62.5]);
    expect(r.rounds).toBe(5);
    expect(r.converged).toBe(true);
    expect(r.migrationSeconds).toBeCloseTo(19.375);
    expect(r.downtimeSeconds).toBeCloseTo(0.625);
    expect(r.transferredBytes).toBeCloseTo(1937.5);
  });

  it('copies the touched memory in round 0 (never more than the memory); later rounds may dirty any of it', () => {
    const r = preCopy({ ...engine, memoryBytes: 1000, touchedBytes: 400, dirtyRateBytesPerSecond: 50 });
    expect(r.roundBytes).toEqual([400, 200, 100, 50]);
    expect(r.migrationSeconds).toBeCloseTo(7.5);
    const over = preCopy({ ...engine, memoryBytes: 1000, touchedBytes: 5000, dirtyRateBytesPerSecond: 50 });
    expect(over.roundBytes[0]).toBe(1000);
  });

  it('stops after max rounds when it does not converge, each round bounded by memory', () => {
    const r = preCopy({
      ...engine,
      stopBytes: 10,
      maxRounds: 3,
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 200,
    });
    expect(r.roundBytes).toEqual([1000, 1000, 1000, 1000]);
    expect(r.converged).toBe(false);
    expect(r.downtimeSeconds).toBe(10);
  });

  it('bounds a round by the writable working set', () => {
    const r = preCopy({
      ...engine,
      stopBytes: 10,
      maxRounds: 4,
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 90,
      wwsBytes: 200,
    });
    expect(r.roundBytes).toEqual([1000, 200, 180, 162, 145.8]);
  });

  it('keeps copying while the last round would exceed the maximum downtime', () => {
    const free = preCopy({ ...engine, memoryBytes: 1000, dirtyRateBytesPerSecond: 50 });
    const capped = preCopy({
      ...engine,
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 50,
      maxDowntimeSeconds: 0.2,
    });
    expect(capped.roundBytes).toEqual([1000, 500, 250, 125, 62.5, 31.25, 15.625]);
    expect(capped.downtimeSeconds).toBeLessThanOrEqual(0.2);
    expect(capped.downtimeSeconds).toBeLessThan(free.downtimeSeconds);
  });

  it("stops on QEMU's downtime limit when it is tighter than the stop threshold (300 ms at 40 MiB/s: 12 MiB)", () => {
    const lab = { bandwidthBytesPerSecond: 40 * MiB, stopBytes: 48 * MiB, maxRounds: 30 };
    const guest = { memoryBytes: 256 * MiB, touchedBytes: 100 * MiB, dirtyRateBytesPerSecond: 8 * MiB };
    // rounds 100, 20, 4 MiB: the threshold alone stops at 20 MiB (0.5 s); QEMU's rule goes on to 4
    expect(preCopy({ ...lab, ...guest }).roundBytes).toEqual([100 * MiB, 20 * MiB]);
    const qemu = preCopy({ ...lab, ...guest, maxDowntimeSeconds: 0.3 });
    expect(qemu.roundBytes).toEqual([100 * MiB, 20 * MiB, 4 * MiB]);
    expect(qemu.downtimeSeconds).toBeCloseTo(0.1);
  });

  it('adds the switch-over cost to the downtime and the migration time, not to the rounds', () => {
    const without = preCopy({ ...engine, memoryBytes: 1000, dirtyRateBytesPerSecond: 50 });
    const withC = preCopy({
      ...engine,
      memoryBytes: 1000,
      dirtyRateBytesPerSecond: 50,
      switchoverSeconds: 0.2,
    });
    expect(withC.roundBytes).toEqual(without.roundBytes);
    expect(withC.stopCopySeconds).toBeCloseTo(0.625);
    expect(withC.downtimeSeconds).toBeCloseTo(0.825);
    expect(withC.migrationSeconds).toBeCloseTo(19.575);
    expect(without.downtimeSeconds).toBe(without.stopCopySeconds);
  });

  it("slows the stream by the guest's own outbound traffic, never below 1 MiB/s", () => {
    expect(streamBandwidth(40 * MiB, 17.4 * MiB)).toBeCloseTo(22.6 * MiB);
    expect(streamBandwidth(40 * MiB, 100 * MiB)).toBe(MiB);
    const quiet = preCopy({
      ...engine,
      bandwidthBytesPerSecond: 40 * MiB,
      memoryBytes: 1024 * MiB,
      dirtyRateBytesPerSecond: 0,
    });
    const busy = preCopy({
      ...engine,
      bandwidthBytesPerSecond: 40 * MiB,
      memoryBytes: 1024 * MiB,
      dirtyRateBytesPerSecond: 0,
      competingBytesPerSecond: 20 * MiB,
    });
    expect(busy.migrationSeconds).toBeCloseTo(2 * quiet.migrationSeconds);
  });

  it('costs grow with memory and with dirty rate', () => {
    const base = { bandwidthBytesPerSecond: 100 * MiB, stopBytes: 10 * MiB, maxRounds: 30 };
    const small = preCopy({ ...base, memoryBytes: 512 * MiB, dirtyRateBytesPerSecond: 10 * MiB });
    const big = preCopy({ ...base, memoryBytes: 2048 * MiB, dirtyRateBytesPerSecond: 10 * MiB });
    const dirty = preCopy({ ...base, memoryBytes: 512 * MiB, dirtyRateBytesPerSecond: 80 * MiB });
    expect(big.migrationSeconds).toBeGreaterThan(small.migrationSeconds);
    expect(dirty.migrationSeconds).toBeGreaterThan(small.migrationSeconds);
  });

  it('rejects a zero bandwidth', () => {
    expect(() =>
      preCopy({ ...engine, bandwidthBytesPerSecond: 0, memoryBytes: 1, dirtyRateBytesPerSecond: 0 }),
    ).toThrow(/bandwidth/);
  });
});

describe('calibration on seed 004 Table 1', () => {
  const names = Object.keys(MIGRATION_CALIBRATION) as Table1Workload[];

  // Migration time within ±10 %, downtime within ±10 % of the measured figures.
  it.each(names)('reproduces seed 004 Table 1 for %s within 10 %', (name) => {
    const { measured } = MIGRATION_CALIBRATION[name];
    const r = predictTable1(name);
    expect(
      Math.abs(r.migrationSeconds - measured.migrationSeconds) / measured.migrationSeconds,
    ).toBeLessThanOrEqual(0.1);
    expect(
      Math.abs(r.downtimeSeconds * 1000 - measured.downtimeMs) / measured.downtimeMs,
    ).toBeLessThanOrEqual(0.1);
  });

  it('orders workloads as Table 1 does: IOZONE slowest, SPEC-CPU fastest and shortest downtime', () => {
    const byTime = [...names].sort(
      (a, b) => predictTable1(a).migrationSeconds - predictTable1(b).migrationSeconds,
    );
    expect(byTime[0]).toBe('SPEC-CPU');
    expect(byTime[byTime.length - 1]).toBe('IOZONE');
    const byDown = [...names].sort(
      (a, b) => predictTable1(a).downtimeSeconds - predictTable1(b).downtimeSeconds,
    );
    expect(byDown[0]).toBe('SPEC-CPU');
  });
});
