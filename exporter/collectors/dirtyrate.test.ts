import { renderFamilies } from '../metrics';
import { dirtyRateCollector } from './dirtyrate';

describe('dirtyrate collector', () => {
  it('publishes the measured dirty rate, and nothing for unmeasured domains', () => {
    const families = dirtyRateCollector.collect({
      host: 'h',
      stats: {
        host: 'h',
        collectedAtMs: 0,
        vms: [
          { name: 'a', uuid: 'ua', state: 'running', dirtyRateBytesPerSecond: 5242880 },
          { name: 'b', uuid: 'ub', state: 'running' },
        ],
      },
    });
    expect(renderFamilies(families)).toBe(
      '# HELP vmpilot_domain_memory_dirty_rate_bytes_per_second Rate at which the guest dirties memory (last completed measurement).\n' +
        '# TYPE vmpilot_domain_memory_dirty_rate_bytes_per_second gauge\n' +
        'vmpilot_domain_memory_dirty_rate_bytes_per_second{host="h",domain="a",uuid="ua"} 5242880\n',
    );
  });
});
