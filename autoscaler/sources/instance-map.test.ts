import { describe, expect, it } from '@jest/globals';
import { InstanceMap } from './instance-map';

const map = new InstanceMap({ 'kvm-a': 'kvm-a.example:9177', 'kvm-b': '10.0.0.2:9177' });
const row = (labels: Record<string, string>) => ({ labels, value: 1, timeMs: 0 });

describe('instance → host', () => {
  it('names the host by the configured address, whatever host label the exporter gave itself', () => {
    const r = map.round();
    const out = r.relabel('vmCpu', [
      row({ instance: 'KVM-A.example:9177', host: 'kvm-a.example.com', domain: 'web-1' }),
      row({ instance: '10.0.0.2:9177', host: 'localhost', domain: 'web-2' }),
    ]);
    expect(out.map((o) => [o.labels.host, o.labels.domain])).toEqual([
      ['kvm-a', 'web-1'],
      ['kvm-b', 'web-2'],
    ]);
    expect(r.warnings()).toEqual([]);
  });

  it('drops the series of an instance that maps to no host and says so, naming it', () => {
    const r = map.round();
    const out = r.relabel('vmInfo', [
      row({ instance: 'stray:9177', host: 'x', domain: 'a' }),
      row({ instance: 'stray:9177', host: 'x', domain: 'b' }),
      row({ instance: '10.0.0.2:9177', host: 'y', domain: 'c' }),
    ]);
    expect(out.map((o) => o.labels.domain)).toEqual(['c']);
    const w = r.warnings();
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('instance "stray:9177" maps to no host');
    expect(w[0]).toContain('its 2 series are ignored');
    expect(w[0]).toContain('kvm-a=kvm-a.example:9177');
    // Another round starts clean.
    expect(map.round().warnings()).toEqual([]);
  });

  it('refuses a query that aggregated the instance label away', () => {
    expect(() => map.round().relabel('hostUp', [row({ host: 'kvm-a' })])).toThrow(
      /query hostUp returns series without an "instance" label.*by \(instance, host, domain\)/,
    );
  });

  it('warns when one listed exporter reports several hosts (a multi-URI exporter listed as per-host)', () => {
    const r = map.round();
    r.relabel('hostUp', [
      row({ instance: '10.0.0.2:9177', host: 'h1' }),
      row({ instance: '10.0.0.2:9177', host: 'h2' }),
    ]);
    expect(r.warnings()).toEqual([
      'instance "10.0.0.2:9177" reports 2 hosts (h1, h2): an exporter listed in prometheus.exporters must serve exactly one host',
    ]);
  });
});
