import type { HostStats } from '../core/hypervisor/port';
import { mergeHostStats } from './merge-stats';

describe('mergeHostStats', () => {
  const fg: HostStats = {
    host: 'h',
    collectedAtMs: 2,
    vms: [
      { name: 'a', uuid: 'ua', state: 'running', nets: [] },
      { name: 'new', uuid: 'un', state: 'running' },
    ],
  };
  const bg: HostStats = {
    host: 'h',
    collectedAtMs: 1,
    vms: [
      {
        name: 'a',
        uuid: 'ua',
        state: 'paused',
        cpu: { totalSeconds: 5 },
        balloon: { currentBytes: 1, maximumBytes: 2 },
      },
      { name: 'gone', uuid: 'ug', state: 'running', cpu: { totalSeconds: 9 } },
    ],
  };

  it('takes the VM list and state from the foreground and slow groups from the background by uuid', () => {
    const m = mergeHostStats(fg, bg, ['cpu', 'balloon']);
    expect(m.vms).toEqual([
      {
        name: 'a',
        uuid: 'ua',
        state: 'running',
        nets: [],
        cpu: { totalSeconds: 5 },
        balloon: { currentBytes: 1, maximumBytes: 2 },
      },
      { name: 'new', uuid: 'un', state: 'running' },
    ]);
  });

  it('copies only the background groups', () => {
    expect(mergeHostStats(fg, bg, ['balloon']).vms[0].cpu).toBeUndefined();
    expect(mergeHostStats(fg, undefined, ['cpu'])).toBe(fg);
  });
});
