import { DEFAULT_STALE_INTERVALS, staleHold } from './staleness';

describe('staleHold (the one staleness rule)', () => {
  it('holds data older than staleIntervals × the interval, by default 2', () => {
    expect(DEFAULT_STALE_INTERVALS).toBe(2);
    expect(staleHold(30, 15, DEFAULT_STALE_INTERVALS)).toBeUndefined();
    expect(staleHold(31, 15, DEFAULT_STALE_INTERVALS)).toEqual({
      code: 'stale',
      reason: 'stale data: 31 s old (limit 30 s)',
    });
  });

  it('lets older data through when staleIntervals is raised', () => {
    expect(staleHold(31, 15, 3)).toBeUndefined();
    expect(staleHold(46, 15, 3)?.code).toBe('stale');
  });
});
