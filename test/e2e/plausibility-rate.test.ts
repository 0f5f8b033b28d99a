// The plausibility gate's CPU bound against rate()'s real error (issue 17 b): a real
// Prometheus, at 2 s scrapes with the default 8 s window, scrapes
//   - the real exporter on a simulated cluster whose hosts are saturated (true CPU use =
//     every core): never held;
//   - a stand-in exporter that reads its counter (true use = every core) 1 s after the
//     scrape began on every other scrape, as a loaded exporter does: rate() then reads up
//     to 1 + 1/6 of the truth (above the old fixed ×1.05), and the host is still not held;
//   - a stand-in whose counter grows at 1.1 × the derived bound (more than the cores plus
//     rate()'s error): held as implausible_metrics, naming the bound.
// The service (Prometheus source, the gate built from config, real planner) plans rounds.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../../autoscaler/config/load';
import { rateWindowFor } from '../../autoscaler/config/schema';
import { Journal } from '../../autoscaler/journal/journal';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { sourceFromConfig } from '../../autoscaler/service/run';
import { AutoscalerService } from '../../autoscaler/service/service';
import { cpuBoundFactor } from '../../autoscaler/sources/plausibility';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { pollUntil } from '../helpers/poll';
import { requirePrometheus } from './helpers';

jest.setTimeout(180_000);

const SCRAPE_S = 2;
const GiB = 2 ** 30;

/** Two 2-core hosts and an 8-core one, each asked for more CPU than it has. */
const SCENARIO = `name: saturated
description: every host saturated (true CPU use = all cores)
seed: 1
durationSeconds: 1000000
stepSeconds: 1
observeSeconds: 10
hosts:
  - { name: sat-2a, cpus: 2, memory: 4GiB }
  - { name: sat-2b, cpus: 2, memory: 4GiB }
  - { name: sat-8, cpus: 8, memory: 8GiB }
vms:
${(
  [
    ['sat-2a', 3],
    ['sat-2b', 3],
    ['sat-8', 6],
  ] as const
)
  .flatMap(([h, n]) =>
    Array.from(
      { length: n },
      (_, i) =>
        `  - { name: ${h}-${i}, host: ${h}, workload: cpu, vcpus: 2, memory: 512MiB, demand: { cpu: 1.9 } }`,
    ),
  )
  .join('\n')}
`;

/**
 * An exporter stand-in for one 2-core host with one VM whose CPU counter grows at `cores`
 * per second, read when the answer is built; every other scrape is answered (and read)
 * `lateMs` after it began.
 */
function standIn(host: string, cores: number, lateMs: number): Server {
  const started = Date.now() / 1000;
  let scrapes = 0;
  return createServer((_req, res) => {
    const delay = scrapes++ % 2 === 1 ? lateMs : 0;
    setTimeout(() => {
      const l = `host="${host}",domain="${host}-vm"`;
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        [
          `vmpilot_host_up{host="${host}"} 1`,
          `vmpilot_host_cpus{host="${host}"} 2`,
          `vmpilot_host_memory_total_bytes{host="${host}"} ${4 * GiB}`,
          `vmpilot_domain_info{${l},uuid="u-${host}",state="running"} 1`,
          `vmpilot_domain_cpu_time_seconds_total{${l}} ${cores * (Date.now() / 1000 - started)}`,
          `vmpilot_domain_memory_balloon_current_bytes{${l}} ${GiB}`,
          `vmpilot_domain_memory_balloon_maximum_bytes{${l}} ${GiB}`,
          `vmpilot_domain_vcpus{${l}} 2`,
          '',
        ].join('\n'),
      );
    }, delay);
  });
}

const listen = (s: Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));

describe('CPU plausibility bound vs rate() error, through a real Prometheus', () => {
  let dir: string;
  let port: HypervisorPort;
  let exporter: RunningExporter;
  let late: Server;
  let forged: Server;
  let prometheus: RunningPrometheus;
  let journal: Journal;
  let service: AutoscalerService;
  let bound: number;

  beforeAll(async () => {
    requirePrometheus();
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-rate-bound-'));
    const scenario = path.join(dir, 'saturated.yaml');
    writeFileSync(scenario, SCENARIO);
    port = await connectHypervisors([`sim://${scenario}`]);
    exporter = await startExporter({
      hypervisor: port,
      listen: { host: '127.0.0.1', port: 0 },
      deadlineMs: 5000,
      backgroundGroups: [],
    });
    const configFor = (url: string) =>
      validateConfig(
        {
          hypervisors: [`sim://${scenario}`],
          journal: path.join(dir, 'journal.jsonl'),
          prometheus: { url, scrapeIntervalSeconds: SCRAPE_S, historyPoints: 5, timeoutSeconds: 5 },
          planner: { t2Seconds: 15, t1Seconds: 30 },
        },
        'test',
        dir,
      );
    const defaults = configFor('http://127.0.0.1:1');
    bound = cpuBoundFactor(defaults.plausibility, rateWindowFor(defaults));
    late = standIn('late', 2, 1000);
    forged = standIn('forged', 2 * bound * 1.1, 0);
    const [latePort, forgedPort] = [await listen(late), await listen(forged)];
    prometheus = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporter.port}`, `127.0.0.1:${latePort}`, `127.0.0.1:${forgedPort}`],
      scrapeIntervalSeconds: SCRAPE_S,
      dataDir: path.join(dir, 'prometheus'),
    });
    const config = configFor(prometheus.url);
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
    await exporter?.close();
    await new Promise((r) => late?.close(r));
    await new Promise((r) => forged?.close(r));
    await port?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the derived bound for 2 s scrapes and the 8 s window is 1.05 × (1 + 2/6)', () => {
    expect(bound).toBeCloseTo(1.05 * (1 + 2 / 6), 10);
  });

  it('saturated and late-read hosts are never held; the forged one always is', async () => {
    // Until every host has a full window of samples, the first rounds may be partial.
    await pollUntil(
      async () => {
        const { observation } = await service.planRound('both');
        const hosts = observation?.snapshot.hosts ?? [];
        return hosts.length === 5 && hosts.every((h) => h.usageHistory.length === 5);
      },
      { what: 'five hosts with a full history', timeoutMs: 60_000, intervalMs: 1000 },
    );
    const worst = new Map<string, number>();
    for (let round = 0; round < 12; round++) {
      const { plan, observation } = await service.planRound('both');
      for (const h of observation?.snapshot.hosts ?? [])
        for (const u of h.usageHistory) worst.set(h.name, Math.max(worst.get(h.name) ?? 0, u.cpu / h.cpus));
      const implausible = plan.held.filter((h) => h.code === 'implausible_metrics');
      expect(implausible.map((h) => h.host)).toEqual(['forged']);
      expect(implausible[0].reason).toMatch(
        new RegExp(`usage cpu = [\\d.]+ \\(above 2 cores × ${Math.round(bound * 1000) / 1000} =`),
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    // The scenario did what it says: every simulated host at all its cores (what rate() saw),
    // and the late reads pushed rate() above the old fixed margin at least once.
    for (const h of ['sat-2a', 'sat-2b', 'sat-8']) expect(worst.get(h)).toBeGreaterThan(0.97);
    expect(worst.get('late')).toBeGreaterThan(1.05);
    expect(worst.get('late')).toBeLessThan(bound);
  });
});
