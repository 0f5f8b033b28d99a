import { renderFamilies } from '../metrics';
import { cpuCollector } from './cpu';

describe('cpu collector', () => {
  it('publishes total/user/system seconds as counters and skips absent values', () => {
    const families = cpuCollector.collect({
      host: 'h',
      stats: {
        host: 'h',
        collectedAtMs: 0,
        vms: [
          {
            name: 'a',
            uuid: 'ua',
            state: 'running',
            cpu: { totalSeconds: 12.5, userSeconds: 10, systemSeconds: 2 },
          },
          { name: 'b', uuid: 'ub', state: 'running', cpu: { totalSeconds: 3 } },
          { name: 'c', uuid: 'uc', state: 'shutoff' },
        ],
      },
    });
    const text = renderFamilies(families);
    expect(text).toContain('# TYPE vmpilot_domain_cpu_time_seconds_total counter\n');
    expect(text).toContain('vmpilot_domain_cpu_time_seconds_total{host="h",domain="a",uuid="ua"} 12.5\n');
    expect(text).toContain('vmpilot_domain_cpu_user_seconds_total{host="h",domain="a",uuid="ua"} 10\n');
    expect(text).toContain('vmpilot_domain_cpu_system_seconds_total{host="h",domain="a",uuid="ua"} 2\n');
    expect(text).toContain('vmpilot_domain_cpu_time_seconds_total{host="h",domain="b",uuid="ub"} 3\n');
    expect(text).not.toContain('domain="b",uuid="ub"} 0');
    expect(text).not.toContain('domain="c"');
  });
});
