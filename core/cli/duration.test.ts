import { formatDuration, parseDuration, parseFlagDuration } from './duration';

describe('parseDuration (flags and config)', () => {
  it('reads Go/Prometheus durations, compound ones included', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1h2m3s4ms')).toBe(3_723_004);
    expect(parseDuration('0s')).toBe(0);
  });

  it('takes a bare number as seconds, or as the legacy unit of a flag', () => {
    expect(parseDuration('2')).toBe(2000);
    expect(parseDuration('250', { bareUnit: 'ms' })).toBe(250);
  });

  it('rejects what is not a duration with one line naming the flag', () => {
    for (const bad of ['abc', '', '5 s', '-1s', '1m30', 's', '1x'])
      expect(() => parseDuration(bad)).toThrow(/is not a duration/);
    expect(() => parseFlagDuration('--timeout', 'abc')).toThrow('--timeout "abc": expected a duration');
  });

  it('formats milliseconds back as the shortest text', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(500)).toBe('500ms');
    expect(parseDuration(formatDuration(3_723_004))).toBe(3_723_004);
  });
});
