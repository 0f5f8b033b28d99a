import { eventsFromFrames } from '../src/data/events';
import { pointsFromFrames } from '../src/data/points';
import { eventsFrame, rangeFrames } from './frames';

describe('live page frames', () => {
  it('range series become Prometheus-style frames the points view reads', () => {
    const frames = rangeFrames('points', [
      { labels: { host: 'h1', domain: 'vm1', resource: 'cpu' }, times: [1000, 2000], values: [10, 30] },
      { labels: { host: 'h1', domain: 'vm1', resource: 'total' }, times: [2000], values: [42] },
    ]);
    expect(frames.map((f) => f.refId)).toEqual(['points', 'points']);
    const rows = pointsFromFrames(frames);
    expect(rows).toEqual([{ vm: 'vm1', host: 'h1', points: { cpu: 30, mem: 0, disk: 0, net: 0 }, total: 42 }]);
  });

  it('an events page becomes one row per event, read back as tuning events with their reasons', () => {
    const frame = eventsFrame('events', [
      {
        id: 'e1',
        time: '2026-12-05T08:00:00.000Z',
        kind: 'global',
        vm: 'web3',
        host: 'h1',
        action: 'migrate',
        to: 'h2',
        result: 'completed',
        reason: { rule: 'global.hotspot', text: 'h1 overloaded on cpu' },
        before: { host: 'h1' },
        after: { host: 'h2' },
        phases: [{ phase: 'started', time: '2026-12-05T08:00:01.000Z' }],
      },
      {
        id: 'e2',
        time: '2026-12-05T08:00:05.000Z',
        kind: 'local',
        vm: 'web1',
        host: 'h1',
        action: 'set_cpu_shares',
        result: 'completed',
        reason: 'shares',
        before: null,
        after: null,
        phases: [],
      },
    ]);
    const events = eventsFromFrames([frame]);
    expect(events.map((e) => [e.id, e.reason, e.to])).toEqual([
      ['e1', 'h1 overloaded on cpu', 'h2'],
      ['e2', 'shares', undefined],
    ]);
    expect(events[0].phases[0].timeMs).toBe(Date.parse('2026-12-05T08:00:01.000Z'));
  });
});
