// `vmpilot config check` semantics (issue 17): configs that used to pass and then run wrong
// are refused, each problem with the file name; files that are not configs are refused
// without blocking or filling memory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, MAX_CONFIG_BYTES } from './load';
import { configWarnings, promqlError } from './semantics';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-config-semantics-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { hypervisors: ['sim://seed-experiment'] };

/** Writes the config and returns what loading it says (message with the file name). */
function refusal(name: string, content: string | object): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  try {
    loadConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.message.startsWith(`${file}: invalid configuration:`)).toBe(true);
    return e.message;
  }
  throw new Error(`${name} was accepted`);
}

describe('config check: semantics', () => {
  it.each([
    [
      't2Seconds 3e6 (beyond the timer limit)',
      { planner: { t2Seconds: 3e6, t1Seconds: 6e6 } },
      /planner\.t2Seconds: 3000000 s is longer than Node's timer limit \(2147483 s\)/,
    ],
    [
      't2Seconds 1e12',
      { planner: { t2Seconds: 1e12, t1Seconds: 1e12 } },
      /planner\.t2Seconds: 1000000000000 s is longer/,
    ],
    [
      't2Seconds 1e-9',
      { planner: { t2Seconds: 1e-9, t1Seconds: 1e-8 } },
      /planner\.t2Seconds: 1e-9 s is shorter than 0\.01 s/,
    ],
    [
      'cooldownSeconds beyond the timer limit',
      { planner: { cooldownSeconds: 1e10 } },
      /planner\.cooldownSeconds: 10000000000 s is longer/,
    ],
    [
      'historyPoints 1 with k 3',
      { prometheus: { historyPoints: 1 }, planner: { k: 3, n: 5 } },
      /prometheus\.historyPoints: 1 points cannot hold the planner's n = 5 \(k = 3\)/,
    ],
    [
      'the same URI twice',
      { hypervisors: ['a=test:///default', 'b=test:///default'] },
      /hypervisors\.1: test:\/\/\/default is already hypervisors\.0/,
    ],
    [
      'the same host name twice',
      { hypervisors: ['a=test:///default', 'a=qemu:///system'] },
      /hypervisors\.1: host name "a" is already hypervisors\.0/,
    ],
    [
      'API and exporter on one port',
      { listen: '127.0.0.1:9300', exporter: { listen: '127.0.0.1:9300' } },
      /exporter\.listen: port 9300 is also the API's/,
    ],
    [
      'invalid PromQL',
      { prometheus: { queries: { vmCpu: 'sum by (host (rate(x[$window])' } } },
      /prometheus\.queries\.vmCpu: not valid PromQL at character/,
    ],
    [
      'invalid PromQL in a VM SLI',
      { vms: { web1: { sli: { query: 'rate(x[1m]', target: 1 } } } },
      /vms\.web1\.sli\.query: not valid PromQL/,
    ],
  ])('refuses %s', (_what, over, expected) => {
    expect(refusal('c.yaml', { ...base, ...over })).toMatch(expected);
  });

  it('refuses 150 aliases with the file name (not a bare YAML exception)', () => {
    const text = `anchor: &a [1]\nlist:\n${Array.from({ length: 150 }, () => '  - *a').join('\n')}\n${stringify(base)}`;
    expect(refusal('aliases.yaml', text)).toMatch(/YAML: Excessive alias count/);
  });

  it('refuses a duplicate key, and reads 40,000 vms entries in linear time', () => {
    expect(refusal('dup.yaml', 'hypervisors: [sim://x]\nlisten: 127.0.0.1:1\nlisten: 127.0.0.1:2\n')).toMatch(
      /line 3: duplicate key "listen"/,
    );
    const file = path.join(dir, 'many.yaml');
    const lines = Array.from({ length: 40_000 }, (_, i) => `  v${i}: {workload: web}`);
    writeFileSync(file, `hypervisors: [sim://seed-experiment]\nvms:\n${lines.join('\n')}\n`);
    expect(Object.keys(loadConfig(file).vms)).toHaveLength(40_000);
  });

  it('refuses what is not a regular file, or too large, without blocking or filling memory', () => {
    expect(() => loadConfig('/dev/zero')).toThrow(
      /^\/dev\/zero: invalid configuration:\n {2}- not a regular file/,
    );
    const fifo = path.join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadConfig(fifo)).toThrow(`${fifo}: invalid configuration:\n  - not a regular file`);
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `${stringify(base)}#${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect(() => loadConfig(big)).toThrow(
      /big\.yaml: invalid configuration:\n {2}- \d+ bytes: larger than 1048576 bytes/,
    );
  });

  it('warns about an API reachable beyond loopback without a token, not about loopback', () => {
    const file = path.join(dir, 'open.yaml');
    writeFileSync(file, stringify({ ...base, listen: '0.0.0.0:9178' }));
    expect(configWarnings(loadConfig(file))).toEqual([
      expect.stringMatching(
        /^listen: 0\.0\.0\.0:9178 is reachable beyond this machine and no authTokenFile is set/,
      ),
    ]);
    writeFileSync(file, stringify(base));
    expect(configWarnings(loadConfig(file))).toEqual([]);
  });

  it('accepts every default query and the example configs as PromQL', () => {
    expect(promqlError('max by (host) (timestamp(vmpilot_host_up))')).toBeUndefined();
    expect(
      promqlError('1000 * sum by (host, domain) (rate(x[1m])) / sum by (host, domain) (rate(y[1m]))'),
    ).toBeUndefined();
  });
});
