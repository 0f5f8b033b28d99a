// Golden end-to-end test (node_exporter style): the exporter runs over HTTP on the shipped
// test-driver host and on the simulated cluster (fixed clock); /metrics minus durations is
// diffed against exporter/fixtures/*.prom, and the full output must pass
// `promtool check metrics` without a single complaint. UPDATE_GOLDEN=1 rewrites the files.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { requireTool } from '../helpers/require-tool';
import { getMetrics, PROMTOOL, promtoolCheck, stableLines } from './scrape-text';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'exporter', 'fixtures');
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Case {
  name: string;
  uri: string;
  /** Simulated seconds between opening the port and the scrape (sim only). */
  advanceSeconds: number;
  /** Series whose value is the wall clock (the test driver's CPU time): diffed without it. */
  wallClock?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'test-driver-rack-a',
    uri: `test://${path.join(ROOT, 'test', 'fixtures', 'hosts', 'rack-a.xml')}`,
    advanceSeconds: 0,
    // libvirt's test driver reports a running domain's CPU time as the time of day.
    wallClock: /^(vmpilot_domain_cpu_time_seconds_total\{[^}]*\}) \S+$/,
  },
  { name: 'sim-seed-experiment', uri: 'sim://seed-experiment', advanceSeconds: 120 },
];

describe.each(CASES)('golden /metrics: $name', ({ name, uri, advanceSeconds, wallClock }) => {
  let now = T0;
  let port: HypervisorPort;
  let exporter: RunningExporter;
  let text: string;

  beforeAll(async () => {
    port = await connectHypervisors([uri], { clock: () => now });
    exporter = await startExporter({
      hypervisor: port,
      listen: { host: '127.0.0.1', port: 0 },
      now: () => now,
    });
    now = T0 + advanceSeconds * 1000;
    text = (await getMetrics(exporter.url)).text;
  });
  afterAll(async () => {
    await exporter?.close();
    await port?.close();
  });

  it('matches the committed golden file', () => {
    const file = path.join(FIXTURES, `${name}.prom`);
    const got = stableLines(text)
      .split('\n')
      .map((l) => (wallClock ? l.replace(wallClock, '$1 <wall clock>') : l))
      .join('\n');
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      if (process.env.CI && !existsSync(file)) throw new Error(`${file} missing: run with UPDATE_GOLDEN=1`);
      writeFileSync(file, got);
    }
    expect(got).toBe(readFileSync(file, 'utf8'));
  });

  it('publishes the per-host health series and every domain with host/domain/uuid labels', () => {
    expect(text).toMatch(/^vmpilot_host_up\{host="[^"]+"\} 1$/m);
    expect(text).toMatch(
      /^vmpilot_domain_info\{host="[^"]+",domain="[^"]+",uuid="[0-9a-f-]+",state="running"\} 1$/m,
    );
    expect(text).toMatch(/^vmpilot_scrape_collector_success\{host="[^"]+",collector="domain"\} 1$/m);
    expect(text).toMatch(/^vmpilot_scrape_duration_seconds [0-9.e-]+$/m);
  });

  it('passes promtool check metrics with zero complaints', async () => {
    requireTool(PROMTOOL, 'prometheus');
    const r = await promtoolCheck(text);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});
