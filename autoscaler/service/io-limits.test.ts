import type { TuningEvent } from '../../core/model/event';
import { GiB, hostOf, snapshotOf, vec, vmOf } from '../decision/cluster-builder';
import { fillIoLimitsFromJournal } from './io-limits';

let n = 0;
const ev = (
  action: string,
  vm: string,
  params: TuningEvent['params'],
  result: TuningEvent['result'] = 'completed',
) =>
  ({
    id: `e${++n}`,
    time: new Date(1_000_000 + n * 1000).toISOString(),
    kind: 'local',
    vm,
    host: 'h1',
    action,
    before: null,
    after: null,
    result,
    reason: 'test',
    phases: [],
    params,
  }) as TuningEvent;

function cluster() {
  const s = snapshotOf([hostOf('h1', 8, 32)], [vmOf('a', 'h1', vec(1, GiB)), vmOf('b', 'h1', vec(1, GiB))]);
  for (const vm of s.vms) vm.devices = { disks: ['vda', 'vdb'], nics: ['vnet0'] };
  return s;
}

describe('I/O limits read back from the journal', () => {
  it('takes the latest completed limit per device and sums the VM’s devices', () => {
    const s = cluster();
    fillIoLimitsFromJournal(s, [
      ev('set_block_iotune', 'a', { device: 'vda', totalBytesSec: 10 }),
      ev('set_block_iotune', 'a', { device: 'vdb', totalBytesSec: 30 }),
      ev('set_block_iotune', 'a', { device: 'vda', totalBytesSec: 20 }),
      ev('set_block_iotune', 'a', { device: 'vdb', totalBytesSec: 99 }, 'failed'),
      ev('set_net_bandwidth', 'a', { device: 'vnet0', inboundBytesSec: 7, outboundBytesSec: 7 }),
    ]);
    const [a, b] = s.vms;
    expect(a.allocation.diskLimitBytesPerSecond).toBe(50);
    expect(a.allocation.netLimitBytesPerSecond).toBe(7);
    expect(b.allocation.diskLimitBytesPerSecond).toBeUndefined();
    expect(b.allocation.netLimitBytesPerSecond).toBeUndefined();
  });

  it('reports a lifted limit as 0 and leaves a value a source read alone', () => {
    const s = cluster();
    s.vms[1].allocation.diskLimitBytesPerSecond = 123;
    fillIoLimitsFromJournal(s, [
      ev('set_block_iotune', 'a', { device: 'vda', totalBytesSec: 10 }),
      ev('set_block_iotune', 'a', { device: 'vda', totalBytesSec: 0 }),
      ev('set_block_iotune', 'b', { device: 'vda', totalBytesSec: 10 }),
      // a device the VM no longer has does not count
      ev('set_block_iotune', 'a', { device: 'sdz', totalBytesSec: 10 }),
    ]);
    expect(s.vms[0].allocation.diskLimitBytesPerSecond).toBe(0);
    expect(s.vms[1].allocation.diskLimitBytesPerSecond).toBe(123);
  });
});
