// Issue 15 items 1 and 3 on real engines: exporters per host discovered by a real
// Prometheus through the autoscaler's GET /api/v1/sd (http_sd), the `instance` label mapped
// back to the autoscaler's host names (both exporters call their host "kvm", so only the
// mapping can tell them apart), a stray target that maps to no host named in a warning; and
// the snapshot's PromQL query count read from Prometheus' own query log at 2 and at 50 hosts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { scaleCluster, scenarioOf, writeSlices, type ScaleCluster } from '../../bench/lib/scale-scenario';
import { validateConfig, type LoadedConfig } from '../../autoscaler/config/load';
import { INSTANT, RANGE } from '../../autoscaler/sources/prometheus';
import { sourceFromConfig, startAutoscaler, type RunningAutoscaler } from '../../autoscaler/service/run';
import type { Observation } from '../../autoscaler/sources/source';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { freePort, startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

const stops: (() => Promise<unknown>)[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'vmpilot-per-host-'));
  dirs.push(d);
  return d;
}

/** An exporter on 127.0.0.1 serving `sim://FILE` in this process. */
async function exporterFor(uri: string): Promise<{ exp: RunningExporter; address: string }> {
  const port: HypervisorPort = await connectHypervisors([uri]);
  stops.push(() => port.close());
  const exp = await startExporter({ hypervisor: port, listen: { host: '127.0.0.1', port: 0 } });
  stops.push(() => exp.close());
  return { exp, address: `127.0.0.1:${exp.port}` };
}

/** One host named `kvm` with `n` VMs named PREFIX-…: every exporter reports the same host label. */
function kvmHost(dir: string, prefix: string, n: number, seed: number): string {
  const c = scaleCluster(1, n, seed);
  const one: ScaleCluster = {
    hosts: c.hosts.map((h) => ({ ...h, name: 'kvm' })),
    vms: c.vms.map((v, i) => ({ ...v, host: 'kvm', name: `${prefix}-${i}` })),
  };
  const file = path.join(dir, `${prefix}.yaml`);
  writeFileSync(file, scenarioOf(prefix, one));
  return file;
}

const vmsOn = (o: Observation, host: string) =>
  o.snapshot.vms
    .filter((v) => v.host === host)
    .map((v) => v.name)
    .sort();

describe('per-host exporters discovered through GET /api/v1/sd', () => {
  let dir: string;
  let auto: RunningAutoscaler;
  let prom: RunningPrometheus;
  let cfg: LoadedConfig;
  let a: string;
  let b: string;
  let stray: string;

  beforeAll(async () => {
    requireTool('prometheus', 'prometheus');
    dir = tempDir();
    const fileA = kvmHost(dir, 'a', 3, 1);
    const fileB = kvmHost(dir, 'b', 4, 2);
    const fileS = kvmHost(dir, 'stray', 2, 3);
    a = (await exporterFor(`sim://${fileA}`)).address;
    b = (await exporterFor(`sim://${fileB}`)).address;
    stray = (await exporterFor(`sim://${fileS}`)).address;
    const promPort = await freePort();
    cfg = validateConfig(
      {
        hypervisors: [`kvm-a=sim://${fileA}`, `kvm-b=sim://${fileB}`],
        prometheus: {
          url: `http://127.0.0.1:${promPort}`,
          scrapeIntervalSeconds: 1,
          historyPoints: 3,
          timeoutSeconds: 5,
          exporters: { 'kvm-a': a, 'kvm-b': b },
        },
        planner: { t2Seconds: 1, t1Seconds: 2, k: 2, n: 3 },
        listen: `127.0.0.1:${await freePort()}`,
        journal: path.join(dir, 'journal.jsonl'),
      },
      'per-host.yaml',
      dir,
    );
    auto = await startAutoscaler(cfg, { log: pino({ level: 'silent' }), noLoops: true });
    stops.push(() => auto.stop(1000));
    // The stray exporter is a static target of the same Prometheus: not in the host list.
    prom = await startPrometheus({
      scrapeTargets: [stray],
      scrapeIntervalSeconds: 1,
      port: promPort,
      extraScrapeConfigs: [
        '  - job_name: vmpilot-per-host',
        '    http_sd_configs:',
        `      - url: ${auto.apiUrl}/api/v1/sd`,
        '        refresh_interval: 1s',
      ].join('\n'),
    });
    stops.push(() => prom.stop());
  });

  it('serves the host list as http_sd target groups, one per host', async () => {
    const res = await fetch(`${auto.apiUrl}/api/v1/sd`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual([
      { targets: [a], labels: { __meta_vmpilot_host: 'kvm-a' } },
      { targets: [b], labels: { __meta_vmpilot_host: 'kvm-b' } },
    ]);
  });

  it('Prometheus scrapes both discovered exporters, and instance names the host of each series', async () => {
    const source = sourceFromConfig(cfg);
    const obs = await pollUntil(
      async () => {
        const o = await source.observe(Date.now());
        return vmsOn(o, 'kvm-a').length === 3 && vmsOn(o, 'kvm-b').length === 4 && o.held.length === 0
          ? o
          : undefined;
      },
      {
        what: 'a snapshot with kvm-a and kvm-b from the discovered exporters',
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(obs.snapshot.hosts.map((h) => h.name).sort()).toEqual(['kvm-a', 'kvm-b']);
    expect(vmsOn(obs, 'kvm-a')).toEqual(['a-0', 'a-1', 'a-2']);
    expect(vmsOn(obs, 'kvm-b')).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
    // Hosts keep their own capacity and usage (not the two "kvm" hosts summed into one).
    for (const h of obs.snapshot.hosts) expect(h.capacity.cpu).toBe(32);
    // The stray target's series are dropped and named.
    expect(obs.snapshot.vms.some((v) => v.name.startsWith('stray-'))).toBe(false);
    expect(obs.warnings ?? []).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^instance "${stray}" maps to no host`))]),
    );
    // Prometheus' own view: two targets from the sd job, instance = the listed address.
    const targets = (await (
      await fetch(`${prom.url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(5000) })
    ).json()) as { data: { activeTargets: { labels: Record<string, string>; health: string }[] } };
    const sd = targets.data.activeTargets.filter((t) => t.labels.job === 'vmpilot-per-host');
    expect(sd.map((t) => t.labels.instance).sort()).toEqual([a, b].sort());
  });

  it('the service plans on the mapped hosts: none held for missing data', async () => {
    const { plan } = await auto.service.planRound('both');
    expect(plan.held.filter((h) => h.code === 'no_data')).toEqual([]);
  });
});

/** Few VMs per host: the exporters' simulators run inside the jest process. */
const VMS_PER_HOST = 4;

describe('the snapshot is a fixed number of PromQL queries whatever the host count', () => {
  /** Queries Prometheus logged while one snapshot of a `hosts`-host cluster was taken. */
  async function queriesOfOneSnapshot(hosts: number): Promise<{ queries: string[]; obs: Observation }> {
    const dir = tempDir();
    const uris = writeSlices(dir, `c${hosts}`, scaleCluster(hosts, VMS_PER_HOST), 2);
    const addresses: string[] = [];
    for (const u of uris) addresses.push((await exporterFor(u)).address);
    const queryLog = path.join(dir, 'queries.log');
    const prom = await startPrometheus({
      scrapeTargets: addresses,
      scrapeIntervalSeconds: 1,
      queryLogFile: queryLog,
    });
    stops.push(() => prom.stop());
    const cfg = validateConfig(
      {
        hypervisors: uris,
        prometheus: { url: prom.url, scrapeIntervalSeconds: 1, historyPoints: 3, timeoutSeconds: 10 },
        planner: { k: 2, n: 3 },
      },
      'count.yaml',
      dir,
    );
    const source = sourceFromConfig(cfg);
    await pollUntil(
      async () => {
        const o = await source.observe(Date.now());
        return (
          o.snapshot.hosts.length === hosts &&
          o.snapshot.vms.length === hosts * VMS_PER_HOST &&
          o.held.length === 0
        );
      },
      { what: `a complete snapshot of ${hosts} hosts`, timeoutMs: 90_000, intervalMs: 1000 },
    );
    const lines = () => readFileSync(queryLog, 'utf8').split('\n').filter(Boolean);
    const before = lines().length;
    const obs = await source.observe(Date.now());
    const logged = lines().slice(before);
    return {
      queries: logged.map((l) => (JSON.parse(l) as { params: { query: string } }).params.query).sort(),
      obs,
    };
  }

  it('logs the same queries at 2 hosts and at 50 hosts', async () => {
    requireTool('prometheus', 'prometheus');
    const small = await queriesOfOneSnapshot(2);
    const large = await queriesOfOneSnapshot(50);
    expect(small.obs.snapshot.hosts).toHaveLength(2);
    expect(large.obs.snapshot.vms).toHaveLength(50 * VMS_PER_HOST);
    // + one range query for the VMs' horizon history (sources/horizon-query.ts), also one per round
    expect(small.queries).toHaveLength(INSTANT.length + RANGE.length + 1);
    expect(small.queries.filter((q) => q.startsWith('sum by (domain) ('))).toHaveLength(1);
    expect(large.queries).toEqual(small.queries);
  });
});
