// HA autoscaler on etcd (issue 15, must show): a 3-member etcd cluster and two `vmpilot
// autoscaler` processes acting on one simulated cluster. The cluster lives in this test
// process and is served to both autoscalers over sim+http:// (core/hypervisor/rpc.ts), so a
// migration goes on when the autoscaler that started it dies, as a libvirt job would, and
// every call that changes the cluster is recorded with the pid of its caller.
//   1. kill -9 the leader mid-migration → the other is elected within lease + one round,
//      closes the migration with its true outcome (read from the cluster) and never repeats it;
//   2. SIGSTOP the leader past its lease → the other takes over; SIGCONT → the first makes no
//      call that changes the cluster, its journal writes are refused and it steps down;
//   3. kill 2 of 3 etcd members → nobody acts; start them again → one leader acts again.
// Throughout, the two never report `vmpilot_autoscaler_leader 1` at the same time.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { HypervisorPort, MigrationTarget, VmRef } from '../../core/hypervisor/port';
import { serveHypervisor, type HypervisorServer, type RpcCall } from '../../core/hypervisor/rpc';
import type { TuningEvent } from '../../core/model/event';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { openSim } from '../../core/sim/adapter';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd';
import pino from 'pino';
import { EtcdJournal } from '../../autoscaler/journal/etcd-journal';
import { leaderConfigSchema } from '../../autoscaler/leader/config';
import { etcdClient } from '../../autoscaler/leader/etcd-client';
import { EtcdLeadership } from '../../autoscaler/leader/leadership';
import { pollUntil, GiveUp } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';
import { ensureBuilt, freePort, requirePrometheus, sampleSum, spawnVmpilot, type Spawned } from './helpers';
import { stopService } from './service-setup';

jest.setTimeout(900_000); // real processes: etcd ×3, Prometheus, two autoscalers, ~10 s migrations

const FIXTURE = path.join(__dirname, 'fixtures', 'ha-hotspot.yaml');
const LEASE_SECONDS = 4;
const T2_SECONDS = 1;
const ROUND_DEADLINE_SECONDS = 5;
const ETCD_CALL_SECONDS = 1;
/** Calls that change the cluster (everything else only reads). */
const MUTATING = new Set([
  'migrate',
  'setMemory',
  'setVcpus',
  'suspend',
  'resume',
  'start',
  'stop',
  'setCpuShares',
  'setCpuCap',
  'pinVcpu',
  'setBlockIoTune',
  'setNetBandwidth',
  'save',
  'restore',
  'abortJob',
]);

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
const overlaps: string[] = [];
let sampler: NodeJS.Timeout | undefined;

const pidOf = (a: Autoscaler) => String(a.proc?.child.pid);
const mutatingBy = (a: Autoscaler, since: number) =>
  calls.filter((c) => MUTATING.has(c.method) && c.caller === pidOf(a) && c.at >= since);

/** `vmpilot_autoscaler_leader` of one autoscaler, or null when it does not answer (stopped). */
async function leaderGauge(a: Autoscaler): Promise<number | null> {
  try {
    const res = await fetch(`${a.api}/metrics`, { signal: AbortSignal.timeout(1000) });
    return sampleSum(await res.text(), 'vmpilot_autoscaler_leader', {});
  } catch {
    return null;
  }
}

async function events(a: Autoscaler): Promise<(TuningEvent & { error?: string })[]> {
  const res = await fetch(`${a.api}/api/v1/events?limit=1000`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new GiveUp(`GET /api/v1/events of ${a.name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { events: (TuningEvent & { error?: string })[] }).events;
}

async function start(a: Autoscaler): Promise<void> {
  const p = spawnVmpilot([
    'autoscaler',
    '--config',
    a.configFile,
    '--log.level',
    'info',
    '--log.format',
    'json',
    '--grace',
    '5',
  ]);
  a.proc = p;
  // Each run's log beside its config (kept with VMPILOT_KEEP_TEST_DIR=1 for a post-mortem).
  p.child.stderr?.on('data', (d: Buffer) => appendFileSync(path.join(workdir, a.name, 'autoscaler.log'), d));
  await pollUntil(
    async () => {
      if (p.child.exitCode !== null) throw new GiveUp(`autoscaler ${a.name} exited: ${p.stderr()}`);
      return (await fetch(`${a.api}/healthz`)).ok;
    },
    { what: `autoscaler ${a.name}'s API`, timeoutMs: 30_000 },
  );
}

/** The autoscaler that reports itself leader, once exactly one does. */
async function theLeader(what: string, timeoutMs: number, among = both): Promise<Autoscaler> {
  return pollUntil(
    async () => {
      const g = await Promise.all(among.map(leaderGauge));
      const leaders = among.filter((_, i) => g[i] === 1);
      return leaders.length === 1 ? leaders[0] : undefined;
    },
    { what, timeoutMs, intervalMs: 100 },
  );
}

/** The next migration call (from `since` on) and the autoscaler that made it: the leader. */
async function migrationStarted(since: number): Promise<{ by: Autoscaler; call: RpcCall }> {
  return pollUntil(
    () => {
      for (const a of both) {
        const call = mutatingBy(a, since).find((c) => c.method === 'migrate');
        if (call) return { by: a, call };
      }
      return undefined;
    },
    { what: 'a migration started by the leader', timeoutMs: 180_000, intervalMs: 50 },
  );
}

/** The host the cluster runs a VM on now. */
async function hostOf(vm: string): Promise<string | undefined> {
  for (const h of await sim.listHosts())
    if ((await sim.listVms(h.name)).some((v) => v.name === vm && v.state === 'running')) return h.name;
  return undefined;
}

async function writeConfig(name: string, prometheusUrl: string): Promise<Autoscaler> {
  const dir = path.join(workdir, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const config = {
    hypervisors: [server.uri],
    prometheus: { url: prometheusUrl, scrapeIntervalSeconds: 1, historyPoints: 5, timeoutSeconds: 2 },
    planner: { t2Seconds: T2_SECONDS, t1Seconds: 2 * T2_SECONDS },
    loops: { roundDeadlineSeconds: ROUND_DEADLINE_SECONDS },
    applier: { migrationTimeoutSeconds: 120, callTimeoutSeconds: 5 },
    listen: `127.0.0.1:${port}`,
    journal: path.join(dir, 'journal.jsonl'), // unused with etcd but for the local pause state
    leader: {
      etcd: {
        endpoints: etcd.endpoints,
        leaseSeconds: LEASE_SECONDS,
        callTimeoutSeconds: ETCD_CALL_SECONDS,
        prefix: '/vmpilot-ha-test',
      },
    },
  };
  const configFile = path.join(dir, 'vmpilot.yaml');
  writeFileSync(configFile, stringify(config));
  return { name, configFile, api: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  requireTool('etcd', 'etcd-server');
  requireTool('etcdctl', 'etcd-client');
  requirePrometheus();
  ensureBuilt();
  workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-ha-'));
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
  both.push(await writeConfig('a', prometheus.url), await writeConfig('b', prometheus.url));
  await Promise.all(both.map(start));
  // Never two leaders at once, as far as their /metrics tell (a stopped one does not answer).
  sampler = setInterval(() => {
    void Promise.all(both.map(leaderGauge)).then((g) => {
      if (g.every((v) => v === 1)) overlaps.push(new Date().toISOString());
    });
  }, 200);
});

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  for (const a of both) {
    a.proc?.kill('SIGCONT');
    await stopService(a.proc);
  }
  await prometheus?.stop();
  await exporter?.close();
  await server?.close();
  await sim?.close();
  await etcd?.stop();
  if (workdir && process.env.VMPILOT_KEEP_TEST_DIR !== '1') rmSync(workdir, { recursive: true, force: true });
});

describe('two autoscalers on a 3-member etcd cluster', () => {
  it('kill -9 of the leader mid-migration: the other takes over, closes it with its true outcome, never repeats it', async () => {
    await theLeader('one leader of two', 60_000);
    const { by: leader, call } = await migrationStarted(0);
    const other = both.find((a) => a !== leader) as Autoscaler;
    const [ref, target] = call.args as [VmRef, MigrationTarget];
    leader.proc?.kill('SIGKILL');
    await leader.proc?.exited;

    // Elected within the lease plus one round (from the kill).
    await theLeader('the other elected after the kill', (LEASE_SECONDS + ROUND_DEADLINE_SECONDS) * 1000, [
      other,
    ]);

    const closed = await pollUntil(
      async () =>
        (await events(other)).find(
          (e) =>
            e.action === 'migrate' &&
            e.vm === ref.name &&
            e.host === ref.host &&
            e.to === target.host &&
            (e.result === 'completed' || e.result === 'failed'),
        ),
      {
        what: `the interrupted migration of ${ref.name} closed by the new leader`,
        timeoutMs: 180_000,
        intervalMs: 250,
      },
    );
    // The job went on in the cluster without its caller: the true outcome is "on the destination".
    expect(await hostOf(ref.name)).toBe(target.host);
    expect(closed.result).toBe('completed');
    expect(other.proc?.stderr()).toMatch(/reconciled at takeover/);
    const sameMove = (await events(other)).filter(
      (e) => e.action === 'migrate' && e.vm === ref.name && e.host === ref.host && e.to === target.host,
    );
    expect(sameMove.map((e) => e.id)).toEqual([closed.id]);

    // A few rounds later the move was made once: nobody started it again.
    const rounds = async () => {
      const res = await fetch(`${other.api}/metrics`);
      return sampleSum(await res.text(), 'vmpilot_autoscaler_rounds_total', {});
    };
    const before = await rounds();
    await pollUntil(async () => (await rounds()) >= before + 3, {
      what: 'three more rounds of the new leader',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const moves = calls.filter((c) => {
      if (c.method !== 'migrate') return false;
      const [r, t] = c.args as [VmRef, MigrationTarget];
      return r.name === ref.name && r.host === ref.host && t.host === target.host;
    });
    expect(moves).toHaveLength(1);

    // The killed one comes back as a standby.
    await start(leader);
    await pollUntil(async () => (await leaderGauge(leader)) === 0, {
      what: 'the restarted one on standby',
      timeoutMs: 30_000,
    });
  });

  it('SIGSTOP of the leader past its lease: the other takes over; continued, the first does not act and steps down', async () => {
    await theLeader('one leader of two', 60_000);
    const { by: leader } = await migrationStarted(Date.now());
    const other = both.find((a) => a !== leader) as Autoscaler;
    leader.proc?.kill('SIGSTOP');
    await theLeader(
      'the other elected while the first is stopped',
      (LEASE_SECONDS + ROUND_DEADLINE_SECONDS) * 1000,
      [other],
    );
    const continuedAt = Date.now();
    leader.proc?.kill('SIGCONT');

    await pollUntil(async () => (await leaderGauge(leader)) === 0, {
      what: 'the continued one reporting standby',
      timeoutMs: 30_000,
    });
    // Its migration returns after it lost the lease: the closing write is refused, not written.
    await pollUntil(() => /states not written|write refused by etcd/.test(leader.proc?.stderr() ?? ''), {
      what: 'the continued one’s journal write refused',
      timeoutMs: 180_000,
      intervalMs: 250,
    });
    expect(leader.proc?.stderr()).toMatch(/stepping down: no longer the leader/);
    // The new leader went on acting meanwhile; the continued one changed nothing.
    await pollUntil(() => mutatingBy(other, continuedAt).length > 0, {
      what: 'the new leader acting',
      timeoutMs: 180_000,
      intervalMs: 250,
    });
    expect(mutatingBy(leader, continuedAt)).toEqual([]);
    expect(await leaderGauge(other)).toBe(1);
  });

  it('etcd quorum lost: nobody acts; restored: one leader acts again', async () => {
    await theLeader('one leader of two', 60_000);
    const failedCalls = (a: Autoscaler) =>
      (a.proc?.stderr() ?? '').split('etcd: leadership call failed').length - 1;
    const failedBefore = both.map(failedCalls);
    await Promise.all(etcd.members.slice(0, 2).map((m) => m.kill()));
    const lostAt = Date.now();
    await pollUntil(async () => (await Promise.all(both.map(leaderGauge))).every((g) => g === 0), {
      what: 'both autoscalers on standby without a quorum',
      timeoutMs: (LEASE_SECONDS + ROUND_DEADLINE_SECONDS) * 1000,
      intervalMs: 100,
    });
    // The quorum stays lost until each has tried again (a campaign etcd could not answer).
    await pollUntil(() => both.every((a, i) => failedCalls(a) >= failedBefore[i] + 2), {
      what: 'both autoscalers failing to campaign without a quorum',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(await Promise.all(both.map(leaderGauge))).toEqual([0, 0]);
    for (const m of etcd.members.slice(0, 2)) m.start();
    await etcd.healthy(60_000);
    const restoredAt = Date.now();
    // An action whose journal write committed just before the kill may reach the cluster up to
    // one etcd call later; anything after that would be acting without a quorum.
    const withoutQuorum = calls.filter(
      (c) => MUTATING.has(c.method) && c.at > lostAt + ETCD_CALL_SECONDS * 1000 && c.at < restoredAt,
    );
    expect(withoutQuorum).toEqual([]);

    const leader = await theLeader('one leader after the quorum is back', 60_000);
    await pollUntil(() => mutatingBy(leader, restoredAt).length > 0, {
      what: 'the leader acting again',
      timeoutMs: 180_000,
      intervalMs: 250,
    });
    expect(overlaps).toEqual([]);
  });

  it('a leader whose key another holds now has its journal write refused by etcd itself, and steps down', async () => {
    // A long lease, so the local deadline alone would still let the first one act: only the
    // transaction's compare on the leader key's create revision stops it.
    const cfg = leaderConfigSchema.parse({
      etcd: {
        endpoints: etcd.endpoints,
        leaseSeconds: 60,
        prefix: '/vmpilot-fence-test',
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
      const journal = new EtcdJournal(c1, cfg, first, log, 30);
      const event: TuningEvent = {
        id: 'fence-test',
        time: new Date().toISOString(),
        kind: 'global',
        vm: 'web-1',
        host: 'small',
        action: 'migrate',
        before: { host: 'small' },
        after: { host: 'big' },
        result: 'started',
        reason: 'fence test',
        phases: [],
        to: 'big',
      };
      journal.append(event);
      await journal.fence(); // accepted while it holds the key
      expect(await c2.get(`${cfg.prefix}/events/${event.time}/${event.id}`).string()).toContain('"started"');

      // The key goes (as when etcd expires a lease) and the second wins it.
      await c2.delete().key(first.key);
      second.start();
      await pollUntil(() => second.acting(), { what: 'the second elected', timeoutMs: 30_000 });
      expect(first.acting()).toBe(true); // its own deadline is far away

      journal.append({ ...event, result: 'completed' });
      await expect(journal.fence()).rejects.toThrow(/not written|refused|not the leader/);
      expect(first.acting()).toBe(false);
      expect(await c2.get(`${cfg.prefix}/events/${event.time}/${event.id}`).string()).toContain('"started"');
    } finally {
      await first.stop();
      await second.stop();
      c1.close();
      c2.close();
    }
  });
});
