// The autoscaler's CLI commands as an operator meets them (compiled CLI, real processes):
// `config check` names every wrong field and exits non-zero, accepts the shipped examples;
// `demo` without Prometheus says how to install it; `autoscaler` refuses a bad config.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, ROOT, ensureBuilt } from '../e2e/helpers';

const run = promisify(execFile);
jest.setTimeout(120_000); // each case starts the compiled CLI

async function vmpilot(args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      timeout: 60000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('vmpilot config / autoscaler / demo (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('config check accepts every shipped example', async () => {
    for (const f of ['vmpilot.yaml', 'simulated.yaml', 'libvirt-test-driver.yaml']) {
      const r = await vmpilot(['config', 'check', path.join(ROOT, 'autoscaler', 'examples', f)]);
      expect(r).toMatchObject({ code: 0 });
      expect(r.stdout).toMatch(/: OK — \d+ hypervisor URI\(s\), Prometheus http/);
    }
  });

  it('config check names every wrong field and exits non-zero', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'hypervisors: [bogus://x]\nlisten: nowhere\nprometheus: { scrapeIntervalSeconds: 0 }\n',
    );
    const r = await vmpilot(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid configuration/);
    expect(r.stderr).toMatch(/- hypervisors\.0: unknown hypervisor URI "bogus:\/\/x"/);
    expect(r.stderr).toMatch(/- listen: expected HOST:PORT/);
    expect(r.stderr).toMatch(/- prometheus\.scrapeIntervalSeconds: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
  });

  it('config check reads durations (20s, 2m) and names a bad one in one line', async () => {
    const good = path.join(dir, 'durations.yaml');
    writeFileSync(good, 'hypervisors: [sim://seed-experiment]\nplanner: {t2Seconds: 10s, t1Seconds: 2m}\n');
    const ok = await vmpilot(['config', 'check', good]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/T2 10 s, T1 120 s/);
    const printed = await vmpilot(['config', 'check', '--print', good]);
    expect((JSON.parse(printed.stdout) as { planner: { t1Seconds: number } }).planner.t1Seconds).toBe(120);
    const bad = path.join(dir, 'bad-duration.yaml');
    writeFileSync(bad, 'hypervisors: [sim://seed-experiment]\nplanner: {t2Seconds: 5x}\n');
    const r = await vmpilot(['config', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.includes('t2Seconds'))).toEqual([
      expect.stringMatching(/^\s*- planner\.t2Seconds: "5x" is not a duration/),
    ]);
  });

  it('autoscaler refuses to start on a bad config', async () => {
    const file = path.join(dir, 'bad2.yaml');
    writeFileSync(file, 'hypervisors: []\n');
    const r = await vmpilot(['autoscaler', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hypervisors: at least one hypervisor URI is needed/);
  });

  it('demo without Prometheus installed says how to install it', async () => {
    const r = await vmpilot(['demo', '--duration', '1'], { ...process.env, PATH: '/nonexistent' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Prometheus is not installed/);
    expect(r.stderr).toMatch(/apt-get install -y --no-install-recommends prometheus/);
  });

  it('place: bad sizes are usage errors (2); no Prometheus is a run-time error (1) naming it', async () => {
    const file = path.join(dir, 'place.yaml');
    writeFileSync(
      file,
      `hypervisors: ["test:///default"]\nprometheus: { url: "http://127.0.0.1:9", timeoutSeconds: 1 }\njournal: ${path.join(dir, 'place-journal.jsonl')}\n`,
    );
    const bad = await vmpilot(['place', '--config', file, '--vcpus', '2', '--memory', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--memory "lots": expected a size such as 4GiB/);
    expect((await vmpilot(['place', '--config', file, '--vcpus', '0', '--memory', '1G'])).code).toBe(2);
    const down = await vmpilot(['place', '--config', file, '--vcpus', '2', '--memory', '1G']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^vmpilot: metrics source: .*\n$/);
  });

  it('every command has --help', async () => {
    for (const cmd of [
      ['autoscaler'],
      ['plan'],
      ['config', 'check'],
      ['demo'],
      ['place'],
      ['maintenance'],
      ['pause'],
      ['resume'],
    ]) {
      const r = await vmpilot([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: vmpilot /);
    }
  });
});
