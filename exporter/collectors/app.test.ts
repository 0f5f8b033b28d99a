import { renderFamilies } from '../metrics';
import { appCollector } from './app';

describe('app collector', () => {
  it('publishes requests, responses and mean response time per VM', () => {
    const text = renderFamilies(
      appCollector.collect({
        host: 's1',
        app: [
          { vm: 'web2', requestsTotal: 50, responsesTotal: 49, responseTimeSeconds: 0.2 },
          { vm: 'web1', requestsTotal: 100, responsesTotal: 98, responseTimeSeconds: 0.05 },
        ],
      }),
    );
    expect(text).toContain('vmpilot_app_requests_total{host="s1",domain="web1"} 100\n');
    expect(text).toContain('vmpilot_app_responses_total{host="s1",domain="web1"} 98\n');
    expect(text).toContain('vmpilot_app_response_time_seconds{host="s1",domain="web2"} 0.2\n');
    expect(text.indexOf('domain="web1"')).toBeLessThan(text.indexOf('domain="web2"'));
  });

  it('labels the series with the uuid the domain stats of the scrape know (as every per-VM series)', () => {
    const text = renderFamilies(
      appCollector.collect({
        host: 's1',
        stats: { host: 's1', collectedAtMs: 0, vms: [{ name: 'web1', uuid: 'u-1', state: 'running' }] },
        app: [{ vm: 'web1', requestsTotal: 1, responsesTotal: 1, responseTimeSeconds: 0.1 }],
      }),
    );
    expect(text).toContain('vmpilot_app_requests_total{host="s1",domain="web1",uuid="u-1"} 1\n');
  });
});
