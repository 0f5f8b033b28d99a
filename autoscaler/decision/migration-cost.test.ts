import { MiB, preCopy, PRECOPY_DEFAULTS } from '../../core/model/precopy';
import type { VmSnapshot } from '../../core/model/snapshot';
import { defaultPlannerConfig } from './config';
import { migrationEstimate } from './migration-cost';

const vm = (over: Partial<VmSnapshot> = {}): VmSnapshot => ({
  name: 'v',
  host: 'a',
  state: 'running',
  vcpus: 1,
  memoryBytes: 2048 * MiB,
  workload: 'web',
  usageHistory: [],
  allocation: { balloonBytes: 1024 * MiB },
  ...over,
});

describe('migrationEstimate', () => {
  const engine = defaultPlannerConfig().migration;

  it('defaults to the calibrated engine parameters of the one pre-copy model', () => {
    expect(engine).toMatchObject({ ...PRECOPY_DEFAULTS });
  });

  it('is the pre-copy model on the balloon, the dirty rate and the outbound traffic of the VM', () => {
    const v = vm({ dirtyRateBytesPerSecond: 10 * MiB, netTxBytesPerSecond: 5 * MiB });
    expect(migrationEstimate(v, engine)).toEqual(
      preCopy({
        ...PRECOPY_DEFAULTS,
        memoryBytes: 1024 * MiB,
        dirtyRateBytesPerSecond: 10 * MiB,
        competingBytesPerSecond: 5 * MiB,
      }),
    );
  });

  it('copies in round 0 only the memory the VM touched (its footprint), not its whole balloon', () => {
    const v = vm({ dirtyRateBytesPerSecond: 10 * MiB, memoryUnusedBytes: 700 * MiB });
    const e = migrationEstimate(v, engine);
    expect(e.roundBytes[0]).toBe(324 * MiB);
    expect(e.migrationSeconds).toBeLessThan(
      migrationEstimate(vm({ dirtyRateBytesPerSecond: 10 * MiB }), engine).migrationSeconds,
    );
  });

  it("stops where the hypervisor stops (its downtime limit) and adds the cluster's switch-over cost", () => {
    const v = vm({ dirtyRateBytesPerSecond: 8 * MiB, memoryUnusedBytes: 924 * MiB });
    const plain = migrationEstimate(v, engine);
    const qemu = migrationEstimate(v, { ...engine, maxDowntimeSeconds: 0.3, switchoverSeconds: 0.25 });
    expect(plain.roundBytes).toEqual([100 * MiB, 20 * MiB]);
    expect(qemu.roundBytes).toEqual([100 * MiB, 20 * MiB, 4 * MiB]);
    expect(qemu.downtimeSeconds).toBeCloseTo(0.1 + 0.25);
    expect(qemu.stopCopySeconds).toBeCloseTo(0.1);
  });

  it('copies the configured memory when the balloon is unknown, and a quiet VM costs less', () => {
    const noBalloon = migrationEstimate(vm({ allocation: {} }), engine);
    expect(noBalloon.roundBytes[0]).toBe(2048 * MiB);
    const quiet = migrationEstimate(vm(), engine);
    const busy = migrationEstimate(
      vm({ dirtyRateBytesPerSecond: 30 * MiB, netTxBytesPerSecond: 10 * MiB }),
      engine,
    );
    expect(busy.migrationSeconds).toBeGreaterThan(quiet.migrationSeconds);
    expect(busy.downtimeSeconds).toBeGreaterThan(quiet.downtimeSeconds);
  });
});
