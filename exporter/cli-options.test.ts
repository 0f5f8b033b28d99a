import { enabledCollectors, parseGroups } from './cli-options';

describe('exporter CLI values', () => {
  it('applies --collector.X / --no-collector.X over the defaults', () => {
    const on = enabledCollectors({ perf: false, cpu: true });
    expect(on).not.toContain('perf');
    expect(on).toContain('cpu');
    expect(on).toContain('domain');
  });

  it('parses stat-group lists', () => {
    expect(parseGroups('balloon,vcpu')).toEqual(['balloon', 'vcpu']);
    expect(parseGroups('none')).toEqual([]);
    expect(() => parseGroups('balloon,gpu')).toThrow(/unknown group\(s\) gpu/);
  });
});
