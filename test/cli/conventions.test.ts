// Issue 14 item 4, with the compiled binary: the conventions operators know from Prometheus'
// own tools — `--version` on every subcommand, exit 2 for usage errors and 1 at run time,
// `--log.format` logfmt/json with level names and nothing else on stderr, promtool-clean
// /metrics with unprefixed process_* and vmpilot_build_info, gzip — and SIGHUP reloading
// the autoscaler's config (a changed dryRun takes effect, same PID).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, ensureBuilt, freePort, spawnVmpilot, type Spawned } from '../e2e/helpers';
import { GiveUp, pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-conventions-'));

async function vmpilot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

const SUBCOMMANDS = ['hosts', 'exporter', 'autoscaler', 'plan', 'config', 'simulate'];

describe('CLI conventions', () => {
  let version = '';
  beforeAll(() => {
    ensureBuilt();
    version = execFileSync(process.execPath, [BIN, '--version']).toString().trim();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--version answers on every subcommand with exit 0', async () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const c of SUBCOMMANDS) {
      const r = await vmpilot(c, '--version');
      expect({ c, code: r.code, out: r.stdout.trim() }).toEqual({ c, code: 0, out: version });
    }
  });

  it('usage errors exit 2, run-time errors exit 1', async () => {
    for (const c of SUBCOMMANDS)
      expect({ c, code: (await vmpilot(c, '--no-such-flag')).code }).toEqual({ c, code: 2 });
    const usage = [
      ['exporter', '--connect', 'test:///default', '--deadline', 'abc'],
      ['exporter', '--connect', 'test:///default', '--web.listen-address', 'nowhere'],
      ['exporter'],
      ['hosts', '--connect', 'test:///default', '--timeout', 'abc'],
      ['autoscaler', '--grace', 'abc'],
      ['simulate', '--scenario', 'seed-experiment', '--mode', 'nope'],
    ];
    for (const a of usage) {
      const r = await vmpilot(...a);
      expect({ a, code: r.code }).toEqual({ a, code: 2 });
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
    expect((await vmpilot('hosts', '--connect', 'test:///default', '--timeout', 'abc')).stderr).not.toContain(
      'NaN',
    );
    const missing = await vmpilot('autoscaler', '--config', path.join(dir, 'missing.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read the file');
  });

  it('--connect is required without a misleading "(default: [])"', async () => {
    const help = await vmpilot('exporter', '--help');
    expect(help.stdout).toContain('--connect <uri>');
    expect(help.stdout).not.toContain('(default: [])');
    expect(help.stdout).toContain('--web.listen-address');
    expect(help.stdout).toContain('--log.format');
  });

  it('bash completion is generated from the CLI and completes subcommands and flags', async () => {
    const script = (await vmpilot('completion', 'bash')).stdout;
    const complete = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _vmpilot; echo "\${COMPREPLY[@]}"`,
        ],
        { timeout: 10_000 },
      )
        .toString()
        .trim()
        .split(/\s+/);
    expect(complete('vmpilot', 'expo')).toEqual(['exporter']);
    expect(complete('vmpilot', 'exporter', '--web.l')).toEqual(['--web.listen-address']);
    expect(complete('vmpilot', 'autoscaler', '--log.f')).toEqual(['--log.format']);
    expect((await vmpilot('completion', 'zsh')).code).toBe(2);
  });

  describe('the autoscaler process', () => {
    let p: Spawned | undefined;
    let url = '';
    const cfgFile = path.join(dir, 'vmpilot.yaml');
    const cfg = (dryRun: boolean) =>
      writeFileSync(
        cfgFile,
        `hypervisors: [test:///default]\nprometheus: {url: "http://127.0.0.1:1"}\njournal: j.jsonl\ndryRun: ${dryRun}\n`,
      );
    const metrics = async () => {
      const r = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
      return r.text();
    };

    beforeAll(async () => {
      cfg(false);
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      p = spawnVmpilot([
        'autoscaler',
        '--config',
        cfgFile,
        '--web.listen-address',
        `127.0.0.1:${port}`,
        '--log.format',
        'json',
      ]);
      const started = p;
      await pollUntil(
        async () => {
          if (started.child.exitCode !== null) throw new GiveUp(`autoscaler exited: ${started.stderr()}`);
          return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok;
        },
        { what: "the autoscaler's /healthz", timeoutMs: 30_000 },
      );
    }, 60_000);
    afterAll(async () => {
      p?.kill('SIGTERM');
      await p?.exited;
    });

    it('serves promtool-clean /metrics with process_* and vmpilot_build_info, gzip on request', async () => {
      requireTool('promtool', 'prometheus');
      const text = await metrics();
      execFileSync('promtool', ['check', 'metrics'], { input: text, timeout: 30_000 });
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(text).toContain(`vmpilot_build_info{version="${version}"`);
      const r = await fetch(`${url}/metrics`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(r.headers.get('content-encoding')).toBe('gzip');
    });

    it('SIGHUP reloads the config: dryRun takes effect, the PID stays, stderr is JSON only', async () => {
      expect(await metrics()).toMatch(/^vmpilot_autoscaler_dry_run 0$/m);
      const pid = p?.child.pid;
      cfg(true);
      p?.child.kill('SIGHUP');
      await pollUntil(async () => /^vmpilot_autoscaler_dry_run 1$/m.test(await metrics()), {
        what: 'dry_run 1 after SIGHUP',
        timeoutMs: 10_000,
      });
      expect(p?.child.exitCode).toBeNull();
      expect(p?.child.pid).toBe(pid);
      const lines = (p?.stderr() ?? '').trim().split('\n');
      const records = lines.map((l) => JSON.parse(l) as { level: unknown; msg: string });
      for (const r of records) expect(typeof r.level).toBe('string');
      expect(records.map((r) => r.msg)).toContain('reloaded the config (SIGHUP)');
    });
  });

  it('logfmt is the default log format', async () => {
    const port = await freePort();
    const e = spawnVmpilot([
      'exporter',
      '--connect',
      'test:///default',
      '--web.listen-address',
      `127.0.0.1:${port}`,
    ]);
    try {
      const body = await pollUntil(
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/metrics`, {
            headers: { 'Accept-Encoding': 'gzip' },
          }).catch(() => undefined);
          return r?.ok && r;
        },
        { what: 'the exporter', timeoutMs: 20_000 },
      );
      expect(body.headers.get('content-encoding')).toBe('gzip');
      await pollUntil(() => e.stderr().includes('exporter listening'), { what: 'the listening log line' });
      for (const line of e.stderr().trim().split('\n'))
        expect(line).toMatch(/^ts=\S+ level=(info|warn|debug|error) /);
    } finally {
      e.kill('SIGTERM');
      await e.exited;
    }
  });
});
