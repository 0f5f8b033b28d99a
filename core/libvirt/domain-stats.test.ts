import { ALL_STAT_GROUPS } from '../hypervisor/port';
import { statsFlagsOf, vmStatsFromParams } from './domain-stats';
import type { TypedParams } from './typed-params';

// What `virsh domstats --raw` printed for a running diskless TCG guest with a tap NIC,
// plus a block device and perf/dirtyrate fields added by hand.
const record: TypedParams = new Map<string, number | string | boolean>([
  ['state.state', 1],
  ['state.reason', 1],
  ['cpu.time', 2_500_000_000],
  ['cpu.user', 1_000_000_000],
  ['cpu.system', 500_000_000],
  ['balloon.current', 65536],
  ['balloon.maximum', 131072],
  ['balloon.rss', 40960],
  ['balloon.available', 60000],
  ['vcpu.current', 1],
  ['vcpu.maximum', 2],
  ['vcpu.0.state', 1],
  ['vcpu.0.time', 2_000_000_000],
  ['vcpu.0.delay', 750_000_000],
  ['net.count', 1],
  ['net.0.name', 'vnet0'],
  ['net.0.rx.bytes', 1000],
  ['net.0.rx.pkts', 10],
  ['net.0.rx.errs', 0],
  ['net.0.rx.drop', 1],
  ['net.0.tx.bytes', 2000],
  ['net.0.tx.pkts', 20],
  ['net.0.tx.errs', 0],
  ['net.0.tx.drop', 2],
  ['block.count', 1],
  ['block.0.name', 'vda'],
  ['block.0.path', '/img/a.qcow2'],
  ['block.0.rd.reqs', 5],
  ['block.0.rd.bytes', 4096],
  ['block.0.rd.times', 3_000_000],
  ['block.0.wr.reqs', 6],
  ['block.0.wr.bytes', 8192],
  ['block.0.fl.reqs', 2],
  ['block.0.fl.times', 1_500_000_000],
  ['dirtyrate.calc_status', 2],
  ['dirtyrate.megabytes_per_second', 3],
  ['perf.cache_misses', 77],
]);

describe('vmStatsFromParams', () => {
  it('converts units (ns → s, KiB → bytes, MiB/s → bytes/s) for every group', () => {
    const s = vmStatsFromParams('web1', 'u-1', record, ALL_STAT_GROUPS);
    expect(s).toEqual({
      name: 'web1',
      uuid: 'u-1',
      state: 'running',
      cpu: { totalSeconds: 2.5, userSeconds: 1, systemSeconds: 0.5 },
      vcpu: { current: 1, maximum: 2, perVcpu: [{ id: 0, state: 1, timeSeconds: 2, delaySeconds: 0.75 }] },
      balloon: {
        currentBytes: 64 * 1024 * 1024,
        maximumBytes: 128 * 1024 * 1024,
        rssBytes: 40960 * 1024,
        availableBytes: 60000 * 1024,
      },
      blocks: [
        {
          device: 'vda',
          path: '/img/a.qcow2',
          readBytes: 4096,
          writeBytes: 8192,
          readOps: 5,
          writeOps: 6,
          readTimeSeconds: 0.003,
          flushOps: 2,
          flushTimeSeconds: 1.5,
        },
      ],
      nets: [
        {
          device: 'vnet0',
          rxBytes: 1000,
          rxPackets: 10,
          rxErrors: 0,
          rxDrops: 1,
          txBytes: 2000,
          txPackets: 20,
          txErrors: 0,
          txDrops: 2,
        },
      ],
      dirtyRateBytesPerSecond: 3 * 1024 * 1024,
      perf: { cacheMisses: 77 },
    });
  });

  it('leaves out groups that were not requested or not reported', () => {
    expect(vmStatsFromParams('a', 'u', record, ['state'])).toEqual({
      name: 'a',
      uuid: 'u',
      state: 'running',
    });
    const stateOnly = new Map([['state.state', 3]]);
    expect(vmStatsFromParams('a', 'u', stateOnly, ALL_STAT_GROUPS)).toEqual({
      name: 'a',
      uuid: 'u',
      state: 'paused',
    });
  });

  it('ignores a dirty rate that was not measured yet', () => {
    const p = new Map(record);
    p.set('dirtyrate.calc_status', 1);
    expect(vmStatsFromParams('a', 'u', p, ['dirtyrate']).dirtyRateBytesPerSecond).toBeUndefined();
  });
});

describe('statsFlagsOf', () => {
  it('always includes state and ORs the groups', () => {
    expect(statsFlagsOf([])).toBe(1);
    expect(statsFlagsOf(['cpu', 'net'])).toBe(1 | 2 | 16);
    expect(statsFlagsOf(ALL_STAT_GROUPS)).toBe(1 | 2 | 4 | 8 | 16 | 32 | 64 | 512);
  });
});
