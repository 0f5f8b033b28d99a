import { renderOneVm } from '../testing/collector-input';
import { memoryCollector } from './memory';

describe('memory collector', () => {
  it('publishes balloon sizes in bytes and leaves out what the guest did not report', () => {
    const text = renderOneVm(memoryCollector, {
      balloon: { currentBytes: 1048576, maximumBytes: 2097152, rssBytes: 4096, unusedBytes: 512 },
    });
    expect(text).toContain(
      'vmpilot_domain_memory_balloon_current_bytes{host="h",domain="a",uuid="ua"} 1048576\n',
    );
    expect(text).toContain(
      'vmpilot_domain_memory_balloon_maximum_bytes{host="h",domain="a",uuid="ua"} 2097152\n',
    );
    expect(text).toContain('vmpilot_domain_memory_balloon_rss_bytes{host="h",domain="a",uuid="ua"} 4096\n');
    expect(text).toContain('vmpilot_domain_memory_balloon_unused_bytes{host="h",domain="a",uuid="ua"} 512\n');
    expect(text).not.toContain('balloon_available_bytes');
    expect(text).not.toContain('balloon_usable_bytes');
  });
});
