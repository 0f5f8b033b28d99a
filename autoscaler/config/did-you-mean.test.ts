import { closestKey, knownKeysAt } from './did-you-mean';
import { parseConfigText } from './load';
import { serviceConfigSchema } from './schema';

describe('did you mean (unknown config keys)', () => {
  it('knows the keys of each section, through defaults and records', () => {
    expect(knownKeysAt(serviceConfigSchema, [])).toContain('hypervisors');
    expect(knownKeysAt(serviceConfigSchema, ['prometheus'])).toContain('scrapeIntervalSeconds');
    expect(knownKeysAt(serviceConfigSchema, ['capacity', 'hosts', 'kvm-a'])).toContain('maintenance');
  });

  it('suggests the closest key, and nothing for a word far from every key', () => {
    expect(closestKey('dryrun', ['dryRun', 'paused'])).toBe('dryRun');
    expect(closestKey('scrapeInterval', ['scrapeIntervalSeconds', 'url'])).toBe('scrapeIntervalSeconds');
    expect(closestKey('zzz', ['dryRun', 'paused'])).toBeUndefined();
  });

  it('names the suggestion in the config error', () => {
    expect(() =>
      parseConfigText('hypervisors: [test:///default]\nprometheus: {scrapeInterval: 5}\ndryrun: true\n'),
    ).toThrow(
      /prometheus: unknown key "scrapeInterval" \(did you mean "scrapeIntervalSeconds"\?\)[\s\S]*"dryrun" \(did you mean "dryRun"\?\)/,
    );
  });
});
