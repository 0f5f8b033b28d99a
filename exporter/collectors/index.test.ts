import { COLLECTOR_NAMES, selectCollectors } from '.';

describe('collector registry', () => {
  it('has unique names and selects by name', () => {
    expect(new Set(COLLECTOR_NAMES).size).toBe(COLLECTOR_NAMES.length);
    expect(selectCollectors(['cpu', 'host']).map((c) => c.name)).toEqual(['cpu', 'host']);
    expect(selectCollectors().length).toBeGreaterThan(5);
  });

  it('rejects unknown collector names with the known list', () => {
    expect(() => selectCollectors(['cpu', 'gpu'])).toThrow(/unknown collector\(s\) gpu \(known: domain, cpu/);
  });
});
