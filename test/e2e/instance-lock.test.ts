// One acting autoscaler per journal, with real processes: a second `vmpilot autoscaler` on
// the same config (same journal) exits 1 naming the holder while the first keeps running;
// `vmpilot maintenance` talks to the running one; a kill -9 of the holder leaves a stale
// lock that the next start takes over; a clean stop removes the lock.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { BIN, ROOT, ensureBuilt, freePort, spawnVmpilot, within, type Spawned } from './helpers';
import { startService, stopService, type ServiceSetup } from './service-setup';

const run = promisify(execFile);
jest.setTimeout(120_000);

const RACK_A = path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml');

async function vmpilot(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('a second autoscaler on the same journal', () => {
  let dir: string;
  let setup: ServiceSetup;
  const started: Spawned[] = [];
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-lock-'));
    const api = await freePort();
    const journal = path.join(dir, 'journal.jsonl');
    writeFileSync(path.join(dir, 'token'), 'l0ck\n');
    const configFile = path.join(dir, 'vmpilot.yaml');
    // No Prometheus: rounds hold every host, the service and its API run all the same.
    writeFileSync(
      configFile,
      stringify({
        hypervisors: [`rack=test://${RACK_A}`],
        prometheus: { url: `http://127.0.0.1:${await freePort()}`, timeoutSeconds: 1 },
        planner: { t2Seconds: 5, t1Seconds: 10 },
        listen: `127.0.0.1:${api}`,
        journal,
        authTokenFile: path.join(dir, 'token'),
      }),
    );
    setup = {
      configFile,
      journal,
      ports: { exporter: 0, api, prometheus: 0 },
      api: `http://127.0.0.1:${api}`,
    };
  });
  afterAll(async () => {
    for (const p of started) await stopService(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start while the first runs, and takes over after a kill -9', async () => {
    const first = await startService(setup);
    started.push(first);
    const lockFile = `${setup.journal}.lock`;
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({
      pid: first.child.pid,
      host: hostname(),
    });

    const second = spawnVmpilot(['autoscaler', '--config', setup.configFile, '--log.level', 'error']);
    started.push(second);
    const exit = await within(second.exited, 60000, null);
    expect(exit).toEqual({ code: 1, signal: null });
    const lines = second.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^vmpilot: another autoscaler acts on this journal: pid ${first.child.pid} on ${hostname()} holds ${lockFile} since \\S+; stop it first$`,
      ),
    );
    // The first is untouched: still serving, still holding the lock.
    expect((await fetch(`${setup.api}/healthz`)).ok).toBe(true);
    expect(first.child.exitCode).toBeNull();
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(first.child.pid);

    // The operator's CLI reaches the running one (config's listen and token).
    const on = await vmpilot([
      'maintenance',
      'on',
      'rack',
      '--config',
      setup.configFile,
      '--reason',
      'firmware',
    ]);
    expect(on).toMatchObject({ code: 0, stdout: 'rack: in maintenance — api\n' });
    const list = await vmpilot(['maintenance', 'list', '--config', setup.configFile]);
    expect(list.stdout).toMatch(/^rack\tapi\tsince \S+\tfirmware\n$/);
    const unknown = await vmpilot(['maintenance', 'on', 'nowhere', '--config', setup.configFile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/HTTP 404: unknown host "nowhere"/);
    expect((await vmpilot(['maintenance', 'sideways', 'rack', '--config', setup.configFile])).code).toBe(2);

    // kill -9: the lock stays behind, naming a dead process; the next start takes it over.
    first.kill('SIGKILL');
    await first.exited;
    expect(existsSync(lockFile)).toBe(true);
    const third = await startService(setup);
    started.push(third);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(third.child.pid);
    // API maintenance survived the kill too.
    const after = await vmpilot(['maintenance', 'list', '--config', setup.configFile, '--json']);
    expect(JSON.parse(after.stdout)).toEqual({
      hosts: [{ host: 'rack', source: 'api', since: expect.any(String), reason: 'firmware' }],
    });
    const off = await vmpilot(['maintenance', 'off', 'rack', '--config', setup.configFile]);
    expect(off.stdout).toBe('rack: not in maintenance\n');

    // A clean stop releases it.
    await stopService(third);
    expect(third.child.exitCode).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });
});
