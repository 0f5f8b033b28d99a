// Implausible metrics through a real Prometheus (issue 17): an exporter stand-in serves the
// exporter's metric names with numbers that cannot be true (1e300 CPU cores, a host with 0
// CPUs, a negative balloon) or 30 phantom hosts; a real Prometheus scrapes it and the
// service (Prometheus source, plausibility gate, real planner) holds the host with a typed
// reason and acts on nothing there; more hosts than `prometheus.maxHosts` hold every host
// as too_many_series.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { validateConfig } from '../../autoscaler/config/load';
import { Journal } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { sourceFromConfig } from '../../autoscaler/service/run';
import { AutoscalerService } from '../../autoscaler/service/service';
import { FakePort } from '../autoscaler/fake-port';
import { pollUntil } from '../helpers/poll';
import { freePort, requirePrometheus } from './helpers';

jest.setTimeout(180_000);

const GiB = 2 ** 30;
const STARTED_S = Date.now() / 1000 - 60;

interface Scene {
  hosts: { name: string; cpus: number; memory: number }[];
  vms: { host: string; name: string; cores: number; balloon: number }[];
}

const normal = (): Scene => ({
  hosts: [
    { name: 'a', cpus: 4, memory: 16 * GiB },
    { name: 'b', cpus: 4, memory: 16 * GiB },
  ],
  vms: [
    { host: 'a', name: 'web1', cores: 1.9, balloon: 2 * GiB },
    { host: 'a', name: 'web2', cores: 1.9, balloon: 2 * GiB },
    { host: 'b', name: 'idle', cores: 0.2, balloon: 2 * GiB },
  ],
});

/** The exporter's metric names (exporter/fixtures/*.prom) with the scene's numbers. */
function exposition(s: Scene, nowS: number): string {
  const out: string[] = [];
  for (const h of s.hosts) {
    out.push(`vmpilot_host_up{host="${h.name}"} 1`);
    out.push(`vmpilot_host_cpus{host="${h.name}"} ${h.cpus}`);
    out.push(`vmpilot_host_memory_total_bytes{host="${h.name}"} ${h.memory}`);
  }
  for (const v of s.vms) {
    const l = `host="${v.host}",domain="${v.name}"`;
    out.push(`vmpilot_domain_info{${l},uuid="u-${v.name}",state="running"} 1`);
    // Counted from the stand-in's start, so 1e300 cores stay a finite counter.
    out.push(`vmpilot_domain_cpu_time_seconds_total{${l}} ${v.cores * (nowS - STARTED_S)}`);
    out.push(`vmpilot_domain_memory_balloon_current_bytes{${l}} ${v.balloon}`);
    out.push(`vmpilot_domain_memory_balloon_maximum_bytes{${l}} ${2 * GiB}`);
    out.push(`vmpilot_domain_vcpus{${l}} 2`);
  }
  return `${out.join('\n')}\n`;
}

describe('implausible numbers through a real Prometheus', () => {
  let scene = normal();
  let exporter: Server;
  let prometheus: RunningPrometheus;
  let dir: string;
  let service: AutoscalerService;
  let port: FakePort;
  let journal: Journal;

  beforeAll(async () => {
    requirePrometheus();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-implausible-'));
    exporter = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(exposition(scene, Date.now() / 1000));
    });
    const exporterPort = await freePort();
    await new Promise<void>((r) => exporter.listen(exporterPort, '127.0.0.1', r));
    prometheus = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporterPort}`],
      scrapeIntervalSeconds: 1,
      dataDir: path.join(dir, 'prometheus'),
    });
    const config = validateConfig(
      {
        hypervisors: ['sim://unused'],
        journal: path.join(dir, 'journal.jsonl'),
        prometheus: {
          url: prometheus.url,
          scrapeIntervalSeconds: 1,
          historyPoints: 5,
          timeoutSeconds: 5,
          maxHosts: 10,
        },
        planner: { t2Seconds: 15, t1Seconds: 30 },
      },
      'test',
      dir,
    );
    port = new FakePort()
      .addHost('a', 4, 16 * GiB)
      .addHost('b', 4, 16 * GiB)
      .addVm('a', 'web1')
      .addVm('a', 'web2')
      .addVm('b', 'idle', { memoryBytes: 2 * GiB });
    journal = Journal.open(config.journal).journal;
    service = new AutoscalerService({
      config,
      port,
      source: sourceFromConfig(config),
      journal,
      metrics: new ServiceMetrics({ processMetrics: false }),
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    journal?.close();
    await prometheus?.stop();
    await new Promise((r) => exporter?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const planUntil = (
    what: string,
    ok: (p: Awaited<ReturnType<AutoscalerService['planRound']>>['plan']) => boolean,
  ) =>
    pollUntil(
      async () => {
        const { plan } = await service.planRound('both');
        return ok(plan) && plan;
      },
      { what, timeoutMs: 60_000, intervalMs: 500 },
    );

  it('plans for the plausible cluster (the baseline)', async () => {
    const plan = await planUntil(
      'a plan with no host held',
      (p) => p.held.length === 0 && p.actions.length > 0,
    );
    expect(plan.actions.some((a) => a.from === 'a')).toBe(true);
  });

  it.each([
    [
      '1e300 CPU cores used by a VM',
      (s: Scene) => (s.vms[0].cores = 1e300),
      // 1.05 × the rate() error of 1 s scrapes over the 4 s window (1 + 2/3).
      /usage cpu = 1\.\d*e\+300 \(above 4 cores × 1\.75 =/,
    ],
    ['a host reporting 0 CPUs', (s: Scene) => (s.hosts[0].cpus = 0), /host CPU count = 0/],
    ['a negative balloon', (s: Scene) => (s.vms[1].balloon = -5), /web2 balloon = -5 \(negative\)/],
  ])('%s: host a held as implausible_metrics, no action on it', async (_what, damage, named) => {
    scene = normal();
    damage(scene);
    // Until Prometheus has scraped the new numbers, the previous case's may still show.
    const plan = await planUntil('host a held as implausible, naming the metric', (p) =>
      p.held.some((h) => h.host === 'a' && h.code === 'implausible_metrics' && named.test(h.reason)),
    );
    expect(plan.actions.filter((a) => a.from === 'a' || a.to === 'a')).toEqual([]);
    const r = await service.runRound('global');
    expect(r.events.filter((e) => e.host === 'a' || e.to === 'a')).toEqual([]);
    expect(port.calls.filter((c) => /^(set|migrate|pin)/.test(c))).toEqual([]);
  });

  it('30 phantom hosts (more than maxHosts = 10): every host held as too_many_series', async () => {
    scene = normal();
    for (let i = 0; i < 30; i++) scene.hosts.push({ name: `phantom${i}`, cpus: 4, memory: 16 * GiB });
    const plan = await planUntil('hosts held as too_many_series', (p) =>
      p.held.some((h) => h.code === 'too_many_series'),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.held[0].reason).toMatch(/\d+ hosts \(more than prometheus\.maxHosts = 10\)/);
  });
});
