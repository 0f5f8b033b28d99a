// HA autoscaler on etcd (issue 15): the operator's pause and API maintenance hosts survive a
// change of leader. Two `vmpilot autoscaler` processes on a 3-member etcd cluster act on one
// simulated cluster (served over sim+http://, every call recorded with its caller's pid, as
// in ha-etcd.test.ts). The operator pauses the leader and puts a host in maintenance through
// its API; the leader is killed (-9); the other, once elected, reports both — paused, the
// host in API maintenance with its reason — and makes no call that changes the cluster until
// resumed through its own API, after which it acts. And a stale leader (its key deleted and
// won by another) has its pause/maintenance writes refused by etcd itself and steps down.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { serveHypervisor, type HypervisorServer, type RpcCall } from '../../core/hypervisor/rpc';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { openSim } from '../../core/sim/adapter';
import { startExporter, type RunningExporter } from '../../exporter/server';
import pino from 'pino';
import { leaderConfigSchema } from '../../autoscaler/leader/config';
import { etcdClient } from '../../autoscaler/leader/etcd-client';
import { EtcdOperatorState } from '../../autoscaler/leader/etcd-operator-state';
import { EtcdLeadership } from '../../autoscaler/leader/leadership';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd';
import { pollUntil, GiveUp } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';
import { ensureBuilt, freePort, requirePrometheus, sampleSum, spawnVmpilot, type Spawned } from './helpers';
import { stopService } from './service-setup';

jest.setTimeout(600_000);

const FIXTURE = path.join(__dirname, 'fixtures', 'ha-hotspot.yaml');
const LEASE_SECONDS = 4;
const ROUND_DEADLINE_SECONDS = 5;
const TOKEN = 'ha-operator-state-token';
/** Calls that change the cluster (everything else only reads). */
const MUTATING = new Set(['migrate', 'setMemory', 'setVcpus', 'setCpuShares', 'setCpuCap', 'pinVcpu']);

interface Autoscaler {
  name: string;
  configFile: string;
  api: string;
  proc?: Spawned;
}

let workdir: string;
let etcd: EtcdCluster;
let sim: HypervisorPort;
let server: HypervisorServer;
let exporter: RunningExporter;
let prometheus: RunningPrometheus;
const calls: RpcCall[] = [];
const both: Autoscaler[] = [];

const mutatingBy = (a: Autoscaler, since: number) =>
  calls.filter((c) => MUTATING.has(c.method) && c.caller === String(a.proc?.child.pid) && c.at >= since);

async function gauge(a: Autoscaler, name: string): Promise<number | null> {
  try {
    const res = await fetch(`${a.api}/metrics`, { signal: AbortSignal.timeout(1000) });
    return sampleSum(await res.text(), name, {});
  } catch {
    return null;
  }
}

async function call(a: Autoscaler, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${a.api}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(5000),
  });
}

async function apiMaintenance(a: Autoscaler): Promise<{ host: string; source: string; reason?: string }[]> {
  const res = await call(a, 'GET', '/api/v1/maintenance');
  if (!res.ok) throw new GiveUp(`GET /api/v1/maintenance of ${a.name}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { hosts: { host: string; source: string; reason?: string }[] };
  return body.hosts.filter((m) => m.source === 'api');
}

async function start(a: Autoscaler): Promise<void> {
  const p = spawnVmpilot(['autoscaler', '--config', a.configFile, '--log.level', 'info', '--grace', '5']);
  a.proc = p;
  p.child.stderr?.on('data', (d: Buffer) => appendFileSync(path.join(workdir, a.name, 'autoscaler.log'), d));
  await pollUntil(
    async () => {
      if (p.child.exitCode !== null) throw new GiveUp(`autoscaler ${a.name} exited: ${p.stderr()}`);
      return (await fetch(`${a.api}/healthz`)).ok;
    },
    { what: `autoscaler ${a.name}'s API`, timeoutMs: 30_000 },
  );
}

async function theLeader(what: string, timeoutMs: number, among = both): Promise<Autoscaler> {
  return pollUntil(
    async () => {
      const g = await Promise.all(among.map((a) => gauge(a, 'vmpilot_autoscaler_leader')));
      const leaders = among.filter((_, i) => g[i] === 1);
      return leaders.length === 1 ? leaders[0] : undefined;
    },
    { what, timeoutMs, intervalMs: 100 },
  );
}

async function writeConfig(name: string): Promise<Autoscaler> {
  const dir = path.join(workdir, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  const config = {
    hypervisors: [server.uri],
    prometheus: { url: prometheus.url, scrapeIntervalSeconds: 1, historyPoints: 5, timeoutSeconds: 2 },
    planner: { t2Seconds: 1, t1Seconds: 2 },
    loops: { roundDeadlineSeconds: ROUND_DEADLINE_SECONDS },
    applier: { migrationTimeoutSeconds: 120, callTimeoutSeconds: 5 },
    listen: `127.0.0.1:${port}`,
    authTokenFile: path.join(dir, 'token'),
    // Each process its own directory: with etcd nothing of the operator's state is read here.
    journal: path.join(dir, 'journal.jsonl'),
    leader: {
      etcd: {
        endpoints: etcd.endpoints,
        leaseSeconds: LEASE_SECONDS,
        callTimeoutSeconds: 1,
        prefix: '/vmpilot-ops',
      },
    },
  };
  const configFile = path.join(dir, 'vmpilot.yaml');
  writeFileSync(configFile, stringify(config));
  return { name, configFile, api: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  requireTool('etcd', 'etcd-server');
  requirePrometheus();
  ensureBuilt();
  workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-ha-ops-'));
  etcd = await startEtcdCluster(3, workdir);
  sim = await openSim(`sim://${FIXTURE}`, { speed: 10 });
  server = await serveHypervisor(sim, { host: '127.0.0.1', port: 0 }, (c) => calls.push(c));
  exporter = await startExporter({
    hypervisor: sim,
    listen: { host: '127.0.0.1', port: 0 },
    deadlineMs: 5000,
  });
  prometheus = await startPrometheus({
    scrapeTargets: [new URL(exporter.url).host],
    scrapeIntervalSeconds: 1,
    dataDir: path.join(workdir, 'prometheus'),
  });
  both.push(await writeConfig('a'), await writeConfig('b'));
  await Promise.all(both.map(start));
});

afterAll(async () => {
  for (const a of both) await stopService(a.proc);
  await prometheus?.stop();
  await exporter?.close();
  await server?.close();
  await sim?.close();
  await etcd?.stop();
  if (workdir && process.env.VMPILOT_KEEP_TEST_DIR !== '1') rmSync(workdir, { recursive: true, force: true });
});

it('a new leader honours the pause and the API maintenance the operator gave the old one', async () => {
  const leader = await theLeader('one leader of two', 60_000);
  const other = both.find((a) => a !== leader) as Autoscaler;
  // A standby refuses the operator's writes: they belong to the leader.
  expect((await call(other, 'POST', '/api/v1/pause')).status).toBe(503);

  expect((await call(leader, 'POST', '/api/v1/pause')).status).toBe(200);
  const put = await call(leader, 'POST', '/api/v1/hosts/big/maintenance', { reason: 'replace DIMM B2' });
  expect(put.status).toBe(200);
  // The standby's read-only API follows the leader's state (refreshed every lease).
  await pollUntil(async () => (await gauge(other, 'vmpilot_autoscaler_paused')) === 1, {
    what: 'the standby reporting the pause',
    timeoutMs: 3 * LEASE_SECONDS * 1000,
  });

  leader.proc?.kill('SIGKILL');
  await leader.proc?.exited;
  await theLeader('the other elected after the kill', (LEASE_SECONDS + ROUND_DEADLINE_SECONDS) * 1000, [
    other,
  ]);
  const elected = Date.now();

  expect(await gauge(other, 'vmpilot_autoscaler_paused')).toBe(1);
  expect(await apiMaintenance(other)).toEqual([
    expect.objectContaining({ host: 'big', source: 'api', reason: 'replace DIMM B2' }),
  ]);
  // Paused: three rounds pass (the hotspot asks for migrations) and nothing is changed.
  const rounds = (await gauge(other, 'vmpilot_autoscaler_rounds_total')) ?? 0;
  await pollUntil(async () => ((await gauge(other, 'vmpilot_autoscaler_rounds_total')) ?? 0) >= rounds + 3, {
    what: 'three rounds of the new leader',
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  expect(mutatingBy(other, elected)).toEqual([]);

  // Resumed through the new leader, with `big` (the only roomy host) out of maintenance: it acts.
  expect((await call(other, 'DELETE', '/api/v1/hosts/big/maintenance')).status).toBe(200);
  expect((await call(other, 'POST', '/api/v1/resume')).status).toBe(200);
  const resumed = Date.now();
  await pollUntil(() => mutatingBy(other, resumed).length > 0 || undefined, {
    what: 'the resumed leader changing the cluster',
    timeoutMs: 120_000,
    intervalMs: 200,
  });
  expect(await apiMaintenance(other)).toEqual([]);
});

it('a leader whose key another holds now has its pause and maintenance writes refused by etcd, and steps down', async () => {
  // A long lease, so the local deadline alone would still let the first one act: only the
  // transaction's compare on the leader key's create revision stops it.
  const cfg = leaderConfigSchema.parse({
    etcd: {
      endpoints: etcd.endpoints,
      leaseSeconds: 60,
      prefix: '/vmpilot-ops-fence',
      callTimeoutSeconds: 2,
    },
  }).etcd;
  const log = pino({ level: 'silent' });
  const [c1, c2] = [etcdClient(cfg, workdir), etcdClient(cfg, workdir)];
  const first = new EtcdLeadership(c1, cfg, log);
  const second = new EtcdLeadership(c2, cfg, log);
  try {
    first.start();
    await pollUntil(() => first.acting(), { what: 'the first elected', timeoutMs: 30_000 });
    const state = new EtcdOperatorState(c1, cfg, first);
    await state.pauseStore.save(true, new Date('2026-01-02T03:04:05Z'));
    await state.maintenanceStore.save([{ host: 'big', since: '2026-01-02T03:04:05.000Z' }]);
    const other = new EtcdOperatorState(c2, cfg, second);
    await other.load(); // what a new leader reads
    expect(other.pauseStore.load()).toEqual({ paused: true, at: '2026-01-02T03:04:05.000Z' });
    expect(other.maintenanceStore.load()).toEqual([{ host: 'big', since: '2026-01-02T03:04:05.000Z' }]);

    // The key goes (as when etcd expires a lease) and the second wins it.
    await c2.delete().key(first.key);
    second.start();
    await pollUntil(() => second.acting(), { what: 'the second elected', timeoutMs: 30_000 });
    expect(first.acting()).toBe(true); // its own deadline is far away

    await expect(state.pauseStore.save(false, new Date())).rejects.toThrow(/not written: leader key/);
    expect(first.acting()).toBe(false);
    await expect(state.maintenanceStore.save([])).rejects.toThrow(/not the leader/);
    await other.load();
    expect(other.pauseStore.load()?.paused).toBe(true);
    expect(other.maintenanceStore.load()).toHaveLength(1);
  } finally {
    await first.stop();
    await second.stop();
    c1.close();
    c2.close();
  }
});
