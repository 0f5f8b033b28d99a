// `vmpilot config check FILE --prometheus [URL]` against Debian's real Prometheus (issue 17 b):
// a query the grammar accepts but Prometheus' type checker refuses (`rate(x)` without a
// range) fails the check with one line naming its config key; the shipped default queries
// pass; an unreachable Prometheus says so in one line. Runs the CLI's main() in-process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../autoscaler/cli/main';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { freePort, requirePrometheus } from './helpers';

jest.setTimeout(60_000);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'vmpilot', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('config check --prometheus', () => {
  let dir: string;
  let prometheus: RunningPrometheus;
  const file = (name: string, yaml: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, yaml);
    return f;
  };

  beforeAll(async () => {
    requirePrometheus();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-check-promql-'));
    prometheus = await startPrometheus({ scrapeTargets: [], dataDir: path.join(dir, 'prometheus') });
  });
  afterAll(async () => {
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses rate() without a range, naming the key; the grammar alone passes it', async () => {
    const f = file(
      'rate.yaml',
      `hypervisors: ['sim://seed-experiment']\nprometheus:\n  url: ${prometheus.url}\n  queries:\n    vmCpu: sum by (instance, host, domain) (rate(vmpilot_domain_cpu_time_seconds_total))\n`,
    );
    expect((await run(['config', 'check', f])).code).toBe(0);
    const r = await run(['config', 'check', f, '--prometheus']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^vmpilot: ${f.replace(/[.]/g, '\\.')}: prometheus\\.queries\\.vmCpu: Prometheus refuses ".*": .*expected type range vector in call to function "rate", got instant vector\\n$`,
      ),
    );
  });

  it('names a per-VM SLI query with a type error by its key, with a URL given on the command line', async () => {
    const f = file(
      'sli.yaml',
      `hypervisors: ['sim://seed-experiment']\nprometheus:\n  url: http://127.0.0.1:1\nvms:\n  web1:\n    sli:\n      query: histogram_quantile(0.9, app_latency_bucket{domain="$vm"}[1m])\n      target: 0.5\n`,
    );
    const r = await run(['config', 'check', f, '--prometheus', prometheus.url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/: vms\.web1\.sli\.query: Prometheus refuses .*expected type instant vector/);
  });

  it('passes the shipped default queries with the configured rate window', async () => {
    const f = file(
      'ok.yaml',
      `hypervisors: ['sim://seed-experiment']\nprometheus:\n  url: ${prometheus.url}\n  rateWindow: 1m30s\n`,
    );
    const r = await run(['config', 'check', f, '--prometheus']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/OK/);
  });

  it('says in one line when Prometheus cannot be asked', async () => {
    const port = await freePort();
    const f = file(
      'down.yaml',
      `hypervisors: ['sim://seed-experiment']\nprometheus:\n  url: http://127.0.0.1:${port}\n`,
    );
    const r = await run(['config', 'check', f, '--prometheus']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^vmpilot: .*down\\.yaml: cannot check the queries with Prometheus at http://127\\.0\\.0\\.1:${port}: network_error: .*ECONNREFUSED.*\\n$`,
      ),
    );
  });
});
