// Issue 14: SIGHUP reloads a RUNNING autoscaler's config, as Prometheus does. `vmpilot
// autoscaler` (compiled CLI) on a simulated two-host cluster where nothing is overloaded and a
// real Prometheus scraping its exporter. Each step rewrites the config file and sends SIGHUP
// to the process, then observes the change through the API, the metrics and the hypervisor:
// - a planner setting (`planner.maintenanceHosts: [a]`) takes effect: the API lists a as in
//   maintenance by the config and the running planner drains it (VMs on b);
// - the Prometheus source is rebuilt: a dead `prometheus.url` holds every host (source_down)
//   in the plan, the right one lets it plan again;
// - restart-only settings (listen, journal) are named in one warning line and the running
//   values are kept (the API stays where it was);
// - a bad file is refused with one error line naming the key, the old config stays, and
//   vmpilot_autoscaler_config_last_reload_successful is 0 until a good reload.
// The PID never changes. Polls with deadlines, no fixed sleeps.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { RunningPrometheus } from '../../core/procs/prometheus';
import { ensureBuilt, freePort, getJson, getText, sampleValue, type Spawned } from './helpers';
import {
  startPrometheusFor,
  startService,
  stopService,
  writeServiceConfig,
  type ServiceSetup,
} from './service-setup';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(300_000);

const SCENARIO = path.join(__dirname, 'fixtures', 'maintenance-drain.yaml');
const VMS = ['vm-1', 'vm-2', 'vm-3'];

interface LogRecord {
  level: string;
  msg: string;
  [k: string]: unknown;
}

describe('SIGHUP reloads the config of a running autoscaler', () => {
  let dir: string;
  let setup: ServiceSetup;
  let service: Spawned | undefined;
  let prometheus: RunningPrometheus | undefined;
  /** The config the service was started with, as written by writeServiceConfig. */
  let base: Record<string, unknown>;

  const metrics = () => getText(`${setup.api}/metrics`);
  const reloadOk = async () =>
    sampleValue(await metrics(), 'vmpilot_autoscaler_config_last_reload_successful');
  const logs = (): LogRecord[] =>
    (service?.stderr() ?? '')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogRecord);
  const placement = async (): Promise<Record<string, string | undefined>> => {
    const text = await getText(`http://127.0.0.1:${setup.ports.exporter}/metrics`);
    return Object.fromEntries(
      VMS.map((vm) => [
        vm,
        ['a', 'b'].find((h) => sampleValue(text, 'vmpilot_domain_info', { host: h, domain: vm }) === 1),
      ]),
    );
  };
  const maintenanceList = async () =>
    (
      await getJson<{ hosts: { host: string; source: string }[] }>(`${setup.api}/api/v1/maintenance`)
    ).hosts.map((h) => `${h.host}:${h.source}`);
  const heldCodes = async () =>
    (await getJson<{ held: { host: string; code: string }[] }>(`${setup.api}/api/v1/plan`)).held.map(
      (h) => `${h.host}:${h.code}`,
    );
  /** Writes the config (the start-up one with `over` merged per section) and sends SIGHUP. */
  const reloadWith = (over: Record<string, unknown>, text?: string) => {
    const merged: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const was = base[k];
      merged[k] =
        was && typeof was === 'object' && v && typeof v === 'object' && !Array.isArray(v)
          ? { ...was, ...v }
          : v;
    }
    writeFileSync(setup.configFile, text ?? stringify(merged));
    service?.child.kill('SIGHUP');
  };
  const logCount = (msg: RegExp) => logs().filter((r) => msg.test(r.msg)).length;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-reload-'));
    setup = await writeServiceConfig(dir, { hypervisors: [`sim://${SCENARIO}`] });
    base = parse(readFileSync(setup.configFile, 'utf8')) as Record<string, unknown>;
    service = await startService(setup);
    prometheus = await startPrometheusFor(setup, dir);
  });
  afterAll(async () => {
    await stopService(service);
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies planner and Prometheus settings, names restart-only ones, refuses a bad file; same PID', async () => {
    const pid = service?.child.pid;
    expect(await reloadOk()).toBe(1);
    // Nothing is overloaded and nothing is in maintenance: nothing moves on its own.
    expect(await placement()).toEqual({ 'vm-1': 'a', 'vm-2': 'a', 'vm-3': 'b' });
    expect(await maintenanceList()).toEqual([]);

    // 1. A planner setting, written with durations (issue 14 item 1): a is drained.
    const reloadsBefore = logCount(/^reloaded the config \(SIGHUP\)$/);
    reloadWith({ planner: { t2Seconds: '1s', t1Seconds: '2s', maintenanceHosts: ['a'] } });
    await pollUntil(async () => logCount(/^reloaded the config \(SIGHUP\)$/) > reloadsBefore, {
      what: 'the reload log line',
      timeoutMs: 20_000,
    });
    const applied = logs().filter((r) => r.msg === 'reloaded the config (SIGHUP)');
    expect(applied[applied.length - 1].applied).toBe('planner.maintenanceHosts');
    expect(await maintenanceList()).toEqual(['a:config']);
    await pollUntil(async () => Object.values(await placement()).every((h) => h === 'b'), {
      what: 'the running planner to drain a (every VM on b)',
      timeoutMs: 180_000,
    });

    // 2. The Prometheus source is rebuilt from the new url: nothing to read → every host held.
    const dead = await freePort();
    reloadWith({
      planner: { t2Seconds: 1, t1Seconds: 2, maintenanceHosts: ['a'] },
      prometheus: { url: `http://127.0.0.1:${dead}` },
    });
    await pollUntil(async () => (await heldCodes()).includes('b:source_down'), {
      what: 'the plan to hold b as source_down after the url change',
      timeoutMs: 30_000,
    });
    reloadWith({ planner: { t2Seconds: 1, t1Seconds: 2, maintenanceHosts: ['a'] } });
    await pollUntil(async () => !(await heldCodes()).some((c) => c.endsWith(':source_down')), {
      what: 'the plan to read Prometheus again after the url is put back',
      timeoutMs: 30_000,
    });

    // 3. Restart-only settings: one warning line naming them; the API stays where it was.
    const otherApi = await freePort();
    const warnsBefore = logCount(/^config reload: /);
    reloadWith({
      planner: { t2Seconds: 1, t1Seconds: 2, maintenanceHosts: ['a'] },
      listen: `127.0.0.1:${otherApi}`,
      journal: path.join(dir, 'other-journal.jsonl'),
    });
    await pollUntil(async () => logCount(/^config reload: /) > warnsBefore, {
      what: 'the restart-needed warning',
      timeoutMs: 20_000,
    });
    const warns = logs().filter((r) => /^config reload: /.test(r.msg));
    expect(warns).toHaveLength(warnsBefore + 1);
    expect(warns[warns.length - 1]).toMatchObject({
      level: 'warn',
      needsRestart: 'journal,listen',
      msg: 'config reload: journal, listen changed but need a restart; the running values are kept',
    });
    expect(await reloadOk()).toBe(1);
    expect((await fetch(`${setup.api}/healthz`)).ok).toBe(true);
    await expect(fetch(`http://127.0.0.1:${otherApi}/healthz`)).rejects.toThrow();

    // 4. A bad file: refused in one line naming the key; the old config stays.
    const failsBefore = logCount(/^reload failed/);
    reloadWith({}, stringify({ ...base, planner: { t2Seconds: '5x', maintenanceHosts: [] } }));
    await pollUntil(async () => (await reloadOk()) === 0, {
      what: 'config_last_reload_successful 0 after a bad file',
      timeoutMs: 20_000,
    });
    const fails = logs().filter((r) => /^reload failed/.test(r.msg));
    expect(fails).toHaveLength(failsBefore + 1);
    expect(fails[fails.length - 1]).toMatchObject({ level: 'error' });
    expect(String(fails[fails.length - 1].err)).toMatch(/planner\.t2Seconds: "5x" is not a duration/);
    expect(String(fails[fails.length - 1].err)).not.toMatch(/\n/);
    // Still the last good config: a still in maintenance by the config, VMs still on b.
    expect(await maintenanceList()).toEqual(['a:config']);

    // 5. A good file again: reload successful, a out of maintenance.
    reloadWith({ planner: { t2Seconds: 1, t1Seconds: 2 } });
    await pollUntil(async () => (await reloadOk()) === 1 && (await maintenanceList()).length === 0, {
      what: 'a good reload after the bad one',
      timeoutMs: 20_000,
    });
    expect(service?.child.exitCode).toBeNull();
    expect(service?.child.pid).toBe(pid);
  });
});
