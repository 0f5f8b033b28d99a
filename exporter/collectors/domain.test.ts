import { renderFamilies } from '../metrics';
import { domainCollector } from './domain';

describe('domain collector', () => {
  it('publishes info with the state label and the libvirt state code', () => {
    const text = renderFamilies(
      domainCollector.collect({
        host: 'h1',
        stats: {
          host: 'h1',
          collectedAtMs: 0,
          vms: [
            { name: 'web', uuid: 'u-1', state: 'running' },
            { name: 'db', uuid: 'u-2', state: 'paused' },
          ],
        },
      }),
    );
    expect(text).toContain('vmpilot_domain_info{host="h1",domain="web",uuid="u-1",state="running"} 1\n');
    expect(text).toContain('vmpilot_domain_state{host="h1",domain="web",uuid="u-1"} 1\n');
    expect(text).toContain('vmpilot_domain_state{host="h1",domain="db",uuid="u-2"} 3\n');
  });

  it('throws without stats so the scrape reports it failed', () => {
    expect(() => domainCollector.collect({ host: 'h1' })).toThrow(/no domain stats for host h1/);
  });
});
