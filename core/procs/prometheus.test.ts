import { PROMETHEUS_NOT_FOUND, freePort, prometheusConfig, startPrometheus } from './prometheus';

describe('prometheus process helper', () => {
  it('writes a config with the interval, targets and rule files', () => {
    const yml = prometheusConfig({
      scrapeTargets: ['127.0.0.1:9177', '127.0.0.1:9178'],
      scrapeIntervalSeconds: 2,
      ruleFiles: ['/r/a.yml'],
    });
    expect(yml).toContain('  scrape_interval: 2s\n');
    expect(yml).toContain('rule_files:\n  - "/r/a.yml"\n');
    expect(yml).toContain('      - targets: ["127.0.0.1:9177", "127.0.0.1:9178"]\n');
  });

  it('says how to install prometheus when the binary is missing', async () => {
    await expect(startPrometheus({ scrapeTargets: [], binary: '/nonexistent/prometheus' })).rejects.toThrow(
      PROMETHEUS_NOT_FOUND,
    );
  });

  it('probes a free port', async () => {
    const p = await freePort();
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(65536);
  });
});
