import { enabledCollectors, parseDuration, parseGroups, parseListen } from './cli-options';

describe('exporter CLI values', () => {
  it('parses listen addresses and rejects bad ones', () => {
    expect(parseListen('127.0.0.1:9177')).toEqual({ host: '127.0.0.1', port: 9177 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseListen('localhost')).toThrow(/--listen "localhost": expected HOST:PORT/);
    expect(() => parseListen('h:70000')).toThrow(/expected HOST:PORT/);
  });

  it('parses durations', () => {
    expect(parseDuration('--deadline', '5s')).toBe(5000);
    expect(parseDuration('--deadline', '250ms')).toBe(250);
    expect(parseDuration('--deadline', '2')).toBe(2000);
    expect(parseDuration('--deadline', '1m')).toBe(60000);
    expect(() => parseDuration('--deadline', 'soon')).toThrow(/--deadline "soon": expected a duration/);
  });

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
