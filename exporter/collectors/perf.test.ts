import { renderFamilies } from '../metrics';
import { perfCollector } from './perf';

describe('perf collector', () => {
  it('publishes the perf counters a domain has enabled, nothing for the others', () => {
    const text = renderFamilies(
      perfCollector.collect({
        host: 'h',
        stats: {
          host: 'h',
          collectedAtMs: 0,
          vms: [
            { name: 'a', uuid: 'ua', state: 'running', perf: { cacheMisses: 7, instructions: 900 } },
            { name: 'b', uuid: 'ub', state: 'running' },
          ],
        },
      }),
    );
    expect(text).toContain('vmpilot_domain_perf_cache_misses_total{host="h",domain="a",uuid="ua"} 7\n');
    expect(text).toContain('vmpilot_domain_perf_instructions_total{host="h",domain="a",uuid="ua"} 900\n');
    expect(text).not.toContain('cpu_cycles');
    expect(text).not.toContain('domain="b"');
  });
});
