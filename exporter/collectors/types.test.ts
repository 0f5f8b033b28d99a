import { cpuCollector } from './cpu';
import { blockCollector } from './block';
import type { VmStats } from '../../core/hypervisor/port';

const input = (vms: VmStats[]) => ({ host: 'h', stats: { host: 'h', collectedAtMs: 0, vms } });

describe('collectors never report success without data (item 6)', () => {
  it('fail when no active domain carries the group (test driver: state only)', () => {
    expect(() => cpuCollector.collect(input([{ name: 'test', uuid: 'u', state: 'running' }]))).toThrow(
      /no "cpu" stats for any of its 1 active domain/,
    );
    expect(() => blockCollector.collect(input([{ name: 'test', uuid: 'u', state: 'paused' }]))).toThrow(
      /"block"/,
    );
  });

  it('succeed with a present but empty group, with only inactive domains, or when one domain has it', () => {
    expect(() =>
      blockCollector.collect(input([{ name: 'a', uuid: 'u', state: 'running', blocks: [] }])),
    ).not.toThrow();
    expect(() => cpuCollector.collect(input([{ name: 'a', uuid: 'u', state: 'shutoff' }]))).not.toThrow();
    expect(() =>
      cpuCollector.collect(
        input([
          { name: 'a', uuid: 'u', state: 'running', cpu: { totalSeconds: 1 } },
          { name: 'b', uuid: 'v', state: 'running' }, // e.g. busy in a migration (NOWAIT skipped it)
        ]),
      ),
    ).not.toThrow();
  });
});
