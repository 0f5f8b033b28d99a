import { parseSize } from './size';

describe('parseSize', () => {
  it('reads binary and decimal units and a bare number in the given unit', () => {
    expect(parseSize('--memory', '8GiB', 1)).toBe(8 * 2 ** 30);
    expect(parseSize('--memory', '8G', 1)).toBe(8 * 2 ** 30);
    expect(parseSize('--memory', '1.5gi', 1)).toBe(1.5 * 2 ** 30);
    expect(parseSize('--memory', '2GB', 1)).toBe(2e9);
    expect(parseSize('--memory', '512B', 1)).toBe(512);
    expect(parseSize('--memory', '4096', 2 ** 20)).toBe(4 * 2 ** 30);
  });

  it('refuses anything else with a one-line error', () => {
    for (const bad of ['', 'abc', '4 parsecs', '-1G', '0', '1e3G'])
      expect(() => parseSize('--memory', bad, 1)).toThrow(/^--memory ".*": expected a size such as 4GiB/);
  });
});
