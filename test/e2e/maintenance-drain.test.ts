// Issue 14: API maintenance drains a host of a RUNNING autoscaler. `vmpilot autoscaler`
// (compiled CLI) on a simulated two-host cluster where nothing is overloaded, a real
// Prometheus scraping its exporter; `vmpilot maintenance on a` through the API → a's VMs
// migrate to b (journalled migrations in the events API, and the hypervisor — the
// exporter's vmpilot_domain_info — shows them on b); `off a` and `on b` → all three move onto
// a: a takes VMs again, and the drain is not held by the cooldown (600 s) or the ping-pong
// rule although vm-1 and vm-2 left a moments before (an operator's drain empties the host).
// Polls with deadlines, no fixed sleeps.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TuningEvent } from '../../core/model/event';
import type { RunningPrometheus } from '../../core/procs/prometheus';
import { BIN, ROOT, ensureBuilt, getJson, getText, sampleValue, type Spawned } from './helpers';
import {
  startPrometheusFor,
  startService,
  stopService,
  writeServiceConfig,
  type ServiceSetup,
} from './service-setup';
import { pollUntil } from '../helpers/poll';

const run = promisify(execFile);
jest.setTimeout(300_000);

const SCENARIO = path.join(__dirname, 'fixtures', 'maintenance-drain.yaml');
const VMS = ['vm-1', 'vm-2', 'vm-3'];

describe('API maintenance drains a host of a running autoscaler', () => {
  let dir: string;
  let setup: ServiceSetup;
  let service: Spawned | undefined;
  let prometheus: RunningPrometheus | undefined;

  const maintenance = async (action: 'on' | 'off', host: string) => {
    const { stdout } = await run(
      process.execPath,
      [BIN, 'maintenance', action, host, '--config', setup.configFile],
      { cwd: ROOT, timeout: 60_000 },
    );
    return stdout;
  };
  /** Where the hypervisor runs each VM (the exporter's vmpilot_domain_info). */
  const placement = async (): Promise<Record<string, string | undefined>> => {
    const text = await getText(`http://127.0.0.1:${setup.ports.exporter}/metrics`);
    return Object.fromEntries(
      VMS.map((vm) => [
        vm,
        ['a', 'b'].find((h) => sampleValue(text, 'vmpilot_domain_info', { host: h, domain: vm }) === 1),
      ]),
    );
  };
  const migrations = async (): Promise<TuningEvent[]> =>
    (
      await getJson<{ events: TuningEvent[] }>(`${setup.api}/api/v1/events?kind=global&limit=1000`)
    ).events.filter((e) => e.action === 'migrate');

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-drain-'));
    writeFileSync(path.join(dir, 'token'), 'dr4in\n');
    setup = await writeServiceConfig(dir, {
      hypervisors: [`sim://${SCENARIO}`],
      authTokenFile: path.join(dir, 'token'),
    });
    service = await startService(setup);
    prometheus = await startPrometheusFor(setup, dir);
  });
  afterAll(async () => {
    await stopService(service);
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the VMs off after `on`, and the host takes VMs again after `off`', async () => {
    expect(await placement()).toEqual({ 'vm-1': 'a', 'vm-2': 'a', 'vm-3': 'b' });
    // Nothing is overloaded: nothing has moved before the operator acts.
    expect(await migrations()).toEqual([]);

    expect(await maintenance('on', 'a')).toBe('a: in maintenance — api\n');
    // The hypervisor shows a VM on its destination a moment before the applier's
    // post-condition journals the migration completed: wait for both.
    const completed = async () => (await migrations()).filter((m) => m.result === 'completed');
    await pollUntil(
      async () => {
        const p = await placement();
        return VMS.every((vm) => p[vm] === 'b') && (await completed()).length >= 2;
      },
      { what: 'vm-1 and vm-2 to leave a for b (hypervisor and journal)', timeoutMs: 180_000 },
    );
    const drained = await completed();
    expect(drained.map((m) => [m.vm, m.host, m.to]).sort()).toEqual([
      ['vm-1', 'a', 'b'],
      ['vm-2', 'a', 'b'],
    ]);

    // Out of maintenance, and b into it: every VM must go to a — a takes VMs again. vm-1 and
    // vm-2 left a moments ago, within the planner's cooldown (600 s) and ping-pong window:
    // those rules hold other moves, not a drain the operator asked for.
    expect(await maintenance('off', 'a')).toBe('a: not in maintenance\n');
    expect(await maintenance('on', 'b')).toBe('b: in maintenance — api\n');
    const back = async () => (await completed()).filter((m) => m.to === 'a');
    await pollUntil(
      async () => Object.values(await placement()).every((h) => h === 'a') && (await back()).length >= 3,
      { what: 'vm-1, vm-2 and vm-3 to move from b onto a (hypervisor and journal)', timeoutMs: 180_000 },
    );
    expect((await back()).map((m) => [m.vm, m.host, m.to]).sort()).toEqual([
      ['vm-1', 'b', 'a'],
      ['vm-2', 'b', 'a'],
      ['vm-3', 'b', 'a'],
    ]);
    const operator = (
      await getJson<{ events: TuningEvent[] }>(`${setup.api}/api/v1/events?kind=operator`)
    ).events.map((e) => [e.host, e.action]);
    expect(operator).toHaveLength(3);
  });
});
