// Host maintenance through the API, end to end through the service (real planner, journal,
// state file, HTTP API): refused without the token; set → the plan drains the host and the
// journal holds an `operator` event; kept across a restart; cleared → no drain, and the
// clearing is journalled too. Config maintenance is listed with its source and cannot be
// cleared through the API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ClusterSnapshot, HostSnapshot, VmSnapshot } from '../../core/model/snapshot';
import type { TuningEvent } from '../../core/model/event';
import { validateConfig } from '../../autoscaler/config/load';
import { startAutoscaler, type RunningAutoscaler } from '../../autoscaler/service/run';
import { MemorySource } from '../../autoscaler/sources/memory';
import { FakePort } from './fake-port';

const GiB = 2 ** 30;

/** Three hosts, none hot: "a" runs web1 and web2 at half a core each, "b" and "c" are idle. */
function calmSnapshot(now: number): ClusterSnapshot {
  const host = (name: string, cpu: number): HostSnapshot => ({
    name,
    cpus: 4,
    capacity: { cpu: 4, mem: 16 * GiB, disk: 1e8, net: 1e8 },
    usageHistory: Array.from({ length: 5 }, () => ({ cpu, mem: 2 * GiB, disk: 0, net: 0 })),
    up: true,
    ageSeconds: 1,
  });
  const vm = (name: string, on: string): VmSnapshot => ({
    name,
    host: on,
    state: 'running',
    vcpus: 2,
    memoryBytes: 2 * GiB,
    workload: 'cpu',
    usageHistory: Array.from({ length: 5 }, () => ({ cpu: 0.5, mem: GiB, disk: 0, net: 0 })),
    allocation: { vcpus: 2, balloonBytes: 2 * GiB },
  });
  return {
    at: now,
    intervalSeconds: 15,
    hosts: [host('a', 1), host('b', 0.1), host('c', 0.1)],
    vms: [vm('web1', 'a'), vm('web2', 'a')],
  };
}

interface PlanBody {
  actions: { kind: string; vm: string; from: string; to?: string; reason: { rule: string; text: string } }[];
}

describe('host maintenance through the API', () => {
  let dir: string;
  let running: RunningAutoscaler | undefined;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-maintenance-api-'))));
  afterAll(async () => {
    await running?.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  const journalFile = () => path.join(dir, 'journal.jsonl');
  const start = async () => {
    writeFileSync(path.join(dir, 'token'), 't0ken\n');
    const cfg = validateConfig(
      {
        hypervisors: ['sim://unused'],
        listen: '127.0.0.1:0',
        journal: journalFile(),
        authTokenFile: path.join(dir, 'token'),
        // "c" is in maintenance by the config: listed as such, not clearable through the API.
        capacity: { hosts: { c: { maintenance: true } } },
        planner: { t2Seconds: 15, t1Seconds: 30 },
      },
      'test',
      dir,
    );
    const port = new FakePort()
      .addHost('a', 4, 16 * GiB)
      .addHost('b', 4, 16 * GiB)
      .addHost('c', 4, 16 * GiB)
      .addVm('a', 'web1', { vcpus: 2 })
      .addVm('a', 'web2', { vcpus: 2 });
    running = await startAutoscaler(cfg, {
      port,
      source: new MemorySource(calmSnapshot),
      noLoops: true,
      log: pino({ level: 'silent' }),
    });
    return running;
  };
  const stop = async () => {
    await running?.stop(1000);
    running = undefined;
  };
  const call = (method: string, url: string, token?: string, body?: unknown) =>
    fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const plan = async (api: string) =>
    (await (await call('GET', `${api}/api/v1/plan`, 't0ken')).json()) as PlanBody;
  const listed = async (api: string) =>
    ((await (await call('GET', `${api}/api/v1/maintenance`, 't0ken')).json()) as { hosts: unknown[] }).hosts;
  const operatorEvents = () =>
    readFileSync(journalFile(), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as TuningEvent)
      .filter((e) => e.kind === 'operator');

  it('sets, drains, survives a restart, clears', async () => {
    let a = await start();
    // Nothing hot: no migration planned, and "c" (config maintenance) holds no VM.
    expect((await plan(a.apiUrl)).actions.filter((x) => x.kind === 'migrate')).toEqual([]);
    expect(await listed(a.apiUrl)).toEqual([{ host: 'c', source: 'config' }]);

    // Authenticated like the other POST endpoints.
    expect((await call('POST', `${a.apiUrl}/api/v1/hosts/a/maintenance`)).status).toBe(401);
    expect((await call('POST', `${a.apiUrl}/api/v1/hosts/a/maintenance`, 'wrong')).status).toBe(401);
    expect((await call('DELETE', `${a.apiUrl}/api/v1/hosts/c/maintenance`)).status).toBe(401);
    expect(operatorEvents()).toEqual([]);

    const on = await call('POST', `${a.apiUrl}/api/v1/hosts/a/maintenance`, 't0ken', { reason: 'DIMM B2' });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ host: 'a', maintenance: true, changed: true });
    // Again: nothing changes, nothing more is journalled.
    const again = await call('POST', `${a.apiUrl}/api/v1/hosts/a/maintenance`, 't0ken');
    expect(await again.json()).toMatchObject({ changed: false, maintenance: true });
    expect(operatorEvents()).toEqual([
      expect.objectContaining({
        host: 'a',
        action: 'maintenance',
        result: 'completed',
        before: { maintenance: false },
        after: { maintenance: true, reason: 'DIMM B2' },
      }),
    ]);
    expect(await listed(a.apiUrl)).toEqual([
      { host: 'c', source: 'config' },
      { host: 'a', source: 'api', since: expect.any(String), reason: 'DIMM B2' },
    ]);

    // The plan drains "a": its VMs evacuated, onto "b" only ("c" is in maintenance too).
    const drained = (await plan(a.apiUrl)).actions.filter((x) => x.kind === 'migrate');
    expect(drained.length).toBeGreaterThan(0);
    for (const m of drained)
      expect(m).toMatchObject({ from: 'a', to: 'b', reason: { rule: 'global.evacuate' } });

    // Unknown host, config maintenance, bad body: refused with a reason.
    const unknown = await call('POST', `${a.apiUrl}/api/v1/hosts/zz/maintenance`, 't0ken');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/unknown host "zz"/);
    const byConfig = await call('DELETE', `${a.apiUrl}/api/v1/hosts/c/maintenance`, 't0ken');
    expect(byConfig.status).toBe(409);
    expect(((await byConfig.json()) as { error: string }).error).toMatch(/maintenance by the config/);
    expect((await call('POST', `${a.apiUrl}/api/v1/hosts/a/maintenance`, 't0ken', { why: 1 })).status).toBe(
      400,
    );

    // Restart: still in maintenance, still drained.
    await stop();
    a = await start();
    expect(a.service.maintenance.apiHosts()).toEqual(['a']);
    expect(
      (await plan(a.apiUrl)).actions.some((x) => x.reason.rule === 'global.evacuate' && x.from === 'a'),
    ).toBe(true);

    // Cleared: journalled, no drain, and it stays cleared after another restart.
    const off = await call('DELETE', `${a.apiUrl}/api/v1/hosts/a/maintenance`, 't0ken');
    expect(await off.json()).toMatchObject({ host: 'a', maintenance: false, changed: true });
    expect((await plan(a.apiUrl)).actions.filter((x) => x.kind === 'migrate')).toEqual([]);
    expect(operatorEvents().map((e) => e.after)).toEqual([
      { maintenance: true, reason: 'DIMM B2' },
      { maintenance: false },
    ]);
    await stop();
    a = await start();
    expect(await listed(a.apiUrl)).toEqual([{ host: 'c', source: 'config' }]);
    // The events API serves the operator's changes like any other event.
    const events = (await (await call('GET', `${a.apiUrl}/api/v1/events?kind=operator`)).json()) as {
      events: TuningEvent[];
    };
    expect(events.events.map((e) => e.reason)).toEqual([
      expect.objectContaining({ rule: 'operator.maintenance.on' }),
      expect.objectContaining({ rule: 'operator.maintenance.off' }),
    ]);
  });
});
