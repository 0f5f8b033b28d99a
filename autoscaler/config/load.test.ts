import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfigText } from './load';
import { DEFAULT_QUERIES } from './queries';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'test.yaml', '/etc/vmpilot');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('config was accepted');
}

describe('vmpilot.yaml validation', () => {
  it('fills every default from a two-line file and resolves paths against the file', () => {
    const cfg = parseConfigText(
      'hypervisors: [sim://seed-experiment]\njournal: j.jsonl\n',
      'x.yaml',
      '/etc/vmpilot',
    );
    expect(cfg.listen).toBe('127.0.0.1:9178');
    expect(cfg.journal).toBe('/etc/vmpilot/j.jsonl');
    expect(cfg.loops).toEqual({ roundDeadlineSeconds: 15 });
    expect(cfg.planner.t2Seconds).toBe(20);
    expect(cfg.planner.t1Seconds).toBe(120);
    expect(cfg.prometheus.queries.vmCpu).toBe(DEFAULT_QUERIES.vmCpu);
    expect(cfg.applier.maxConcurrentMigrations).toBe(1);
    expect(cfg.dryRun).toBe(false);
    expect(cfg.planner).toBeDefined();
  });

  it('one switch each: dryRun/paused at the top or under planner; one migration timeout for applier and planner', () => {
    const cfg = parseConfigText(
      'hypervisors: [sim://seed-experiment]\nplanner: {dryRun: true}\npaused: true\napplier: {migrationTimeoutSeconds: 90}\n',
    );
    expect([cfg.dryRun, cfg.planner.dryRun, cfg.paused, cfg.planner.paused]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(cfg.planner.migration.timeoutSeconds).toBe(90);
    const plain = parseConfigText('hypervisors: [sim://seed-experiment]\n');
    expect([plain.dryRun, plain.paused, plain.planner.migration.timeoutSeconds]).toEqual([false, false, 300]);
  });

  it("gives the planner's migration estimate the hypervisor's stop rule: the applier's downtime limit, else QEMU's default", () => {
    const qemu = (extra = '') =>
      parseConfigText(`hypervisors: [a=qemu+tcp://10.0.0.1/system, b=qemu:///system]\n${extra}`).planner
        .migration.maxDowntimeSeconds;
    expect(qemu()).toBe(0.3);
    expect(qemu('applier: {maxDowntimeMs: 120}\n')).toBeCloseTo(0.12);
    expect(qemu('planner: {migration: {maxDowntimeSeconds: 0.5}}\n')).toBe(0.5);
    // the simulator's migrations follow Table 1's stop threshold alone, with no switch-over cost
    const sim = parseConfigText('hypervisors: [sim://seed-experiment]\n').planner.migration;
    expect(sim.maxDowntimeSeconds).toBe(undefined);
    expect(sim.switchoverSeconds).toBe(0);
    // a real cluster learns it from its journal (nothing fixed here)
    expect(parseConfigText('hypervisors: [qemu:///system]\n').planner.migration.switchoverSeconds).toBe(
      undefined,
    );
  });

  it('names every wrong field with its path and reason', () => {
    const problems = problemsOf(
      [
        'hypervisors: ["foo://nowhere"]',
        'prometheus:',
        '  url: not a url',
        '  scrapeIntervalSeconds: -5',
        '  queries:',
        '    vmCpu: ""',
        '    vmGpu: up',
        'planner:',
        '  t2Seconds: 20',
        '  t1Seconds: 50',
        'listen: "9178"',
        'dryrun: true',
        'vms:',
        '  web1:',
        '    workload: gpu',
      ].join('\n'),
    );
    const joined = problems.join('\n');
    expect(joined).toMatch(/^hypervisors\.0: unknown hypervisor URI "foo:\/\/nowhere"/m);
    expect(joined).toMatch(/^prometheus\.url: /m);
    expect(joined).toMatch(/^prometheus\.scrapeIntervalSeconds: /m);
    expect(joined).toMatch(/^prometheus\.queries\.vmCpu: /m);
    expect(joined).toMatch(/^prometheus\.queries: .*vmGpu/m);
    expect(joined).toMatch(/^planner\.t1Seconds: T1 \(50 s\) must be an integral multiple of T2/m);
    expect(joined).toMatch(/^listen: expected HOST:PORT/m);
    expect(joined).toMatch(/^\(top level\): .*dryrun/m);
    expect(joined).toMatch(/^vms\.web1\.workload: /m);
    expect(problems).toHaveLength(9);
  });

  it('requires at least one hypervisor', () => {
    expect(problemsOf('prometheus: {}\n')).toEqual([expect.stringMatching(/^hypervisors: /)]);
    expect(problemsOf('hypervisors: []\n')).toEqual(['hypervisors: at least one hypervisor URI is needed']);
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(problemsOf('hypervisors: [sim://x\nlisten: :\n')[0]).toMatch(/^line \d+: /);
  });

  it('names a missing file', () => {
    expect(() => loadConfig('/nonexistent/vmpilot.yaml')).toThrow(/cannot read the file/);
  });

  it('accepts every shipped example', () => {
    const dir = path.join(__dirname, '..', 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(() => loadConfig(path.join(dir, f))).not.toThrow();
  });
});
