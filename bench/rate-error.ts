// `npm run bench -- rate-error [--scrape 1] [--window SECONDS] [--phase 60] [--burners 2]`
//
// How far Prometheus' rate() strays from the true CPU use (issue 17, the plausibility
// bound): the exporter on a simulated cluster whose hosts are saturated (their VMs want
// more CPU than the host has, so the true use is exactly every core), a real Prometheus
// scraping it at the demo's interval, and the autoscaler's own CPU query (vmCpu, summed per
// host as build-snapshot does) evaluated as a range query with step = scrape interval.
// Three phases of --phase seconds each:
//   quiet  — exporter and Prometheus only;
//   demo   — plus the autoscaler in the same process as the exporter (as `vmpilot demo`
//            runs it; dry run, so the cluster's truth does not change);
//   loaded — plus --burners busy processes (at this process's nice level).
// Per phase: the ratio rate()/true over every point, and the offset between each scrape's
// timestamp in Prometheus and the moment the simulator's counter was read for it (the
// cause of the error: the counter value belongs to a later time than its timestamp).
// Human lines first; the last line is one JSON object {"bench":"rate-error",…}.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../autoscaler/config/load';
import { DEFAULT_QUERIES, expandQuery } from '../autoscaler/config/queries';
import { promDurationSeconds, rateWindowOf } from '../autoscaler/config/schema';
import { startAutoscaler, type RunningAutoscaler } from '../autoscaler/service/run';
import { cpuBoundFactor, DEFAULT_PLAUSIBILITY } from '../autoscaler/sources/plausibility';
import { connectHypervisors } from '../core/hypervisor/connect';
import type { HypervisorPort } from '../core/hypervisor/port';
import { freePort, startPrometheus } from '../core/procs/prometheus';
import { startExporter } from '../exporter/server';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const SCRAPE_S = arg('scrape', 1);
const PHASE_S = arg('phase', 60);
const BURNERS = arg('burners', 2);

const say = (l: string) => process.stdout.write(`${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Hosts whose VMs want more than the host has: the true CPU use is every core. */
const SCENARIO = `name: rate-error
description: saturated hosts (true CPU use = all cores), for the rate() error bench
seed: 1
durationSeconds: 1000000
stepSeconds: 1
observeSeconds: 10
hosts:
  - { name: sat-2a, cpus: 2, memory: 4GiB }
  - { name: sat-2b, cpus: 2, memory: 4GiB }
  - { name: sat-8, cpus: 8, memory: 8GiB }
vms:
${[
  ['sat-2a', 3],
  ['sat-2b', 3],
  ['sat-8', 6],
]
  .flatMap(([h, n]) =>
    Array.from(
      { length: n as number },
      (_, i) =>
        `  - { name: ${h}-${i}, host: ${h}, workload: cpu, vcpus: 2, memory: 512MiB, demand: { cpu: 1.9 } }`,
    ),
  )
  .join('\n')}
`;
const CORES: Record<string, number> = { 'sat-2a': 2, 'sat-2b': 2, 'sat-8': 8 };

async function promJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error}`);
  return body.data;
}

interface PhaseResult {
  phase: string;
  points: number;
  ratio: { min: number; p50: number; p99: number; max: number };
  /** Points above the old fixed margin (×1.05) and above the derived bound. */
  above105: number;
  aboveBound: number;
  /** Counter read time (as the simulator's 100 ms tick) minus the sample's timestamp, ms. */
  offsetMs: { min: number; p50: number; p99: number; max: number };
  missedScrapes: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-bench-rate-'));
  const scenarioFile = path.join(dir, 'rate-error.yaml');
  writeFileSync(scenarioFile, SCENARIO);
  const uri = `sim://${scenarioFile}`;
  const inner = await connectHypervisors([uri], { speed: 10 });
  // Every stats read of host sat-2a, by wall time (the simulator reads its counters at the
  // 100 ms tick at or before it: core/sim/adapter.ts WALL_TICK_MS).
  const reads: number[] = [];
  const port: HypervisorPort = Object.create(inner) as HypervisorPort;
  port.getStats = (host, opts) => {
    if (host === 'sat-2a') reads.push(Math.floor(Date.now() / 100) * 100);
    return inner.getStats(host, opts);
  };
  const exporter = await startExporter({
    hypervisor: port,
    listen: { host: '127.0.0.1', port: 0 },
    deadlineMs: 5000,
    backgroundGroups: [],
  });
  const apiPort = await freePort();
  const prometheus = await startPrometheus({
    scrapeTargets: [`127.0.0.1:${exporter.port}`],
    scrapeIntervalSeconds: SCRAPE_S,
    dataDir: path.join(dir, 'prometheus'),
  });
  const config = validateConfig(
    {
      hypervisors: [uri],
      simulatorSpeed: 10,
      prometheus: {
        url: prometheus.url,
        scrapeIntervalSeconds: SCRAPE_S,
        historyPoints: 5,
        timeoutSeconds: 5,
      },
      planner: { t2Seconds: 2, t1Seconds: 12, cooldownSeconds: 60 },
      loops: { roundDeadlineSeconds: 6 },
      listen: `127.0.0.1:${apiPort}`,
      journal: path.join(dir, 'journal.jsonl'),
      dryRun: true,
    },
    'rate-error bench',
    dir,
  );
  const windowArg = arg('window', 0);
  const window = windowArg > 0 ? `${windowArg}s` : rateWindowOf(config);
  const windowS = promDurationSeconds(window);
  // The gate's CPU bound with the default margins (autoscaler/sources/plausibility.ts).
  const bound = cpuBoundFactor(DEFAULT_PLAUSIBILITY, {
    scrapeIntervalSeconds: SCRAPE_S,
    rateWindowSeconds: windowS,
  });
  const query = `sum by (host) (${expandQuery(DEFAULT_QUERIES.vmCpu, { window })})`;
  say(`scrape ${SCRAPE_S} s, rate window ${window}, derived bound: cores × ${r4(bound)}`);
  say(`query: ${query}`);

  let autoscaler: RunningAutoscaler | undefined;
  const burners: ChildProcess[] = [];
  const results: PhaseResult[] = [];
  try {
    await sleep((windowS + 3 * SCRAPE_S) * 1000);
    for (const phase of ['quiet', 'demo', 'loaded'] as const) {
      if (phase === 'demo')
        autoscaler = await startAutoscaler(config, { log: pino({ level: 'silent' }), port });
      if (phase === 'loaded')
        for (let i = 0; i < BURNERS; i++)
          burners.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      // The first window of a phase still holds samples of the previous one: skip it.
      await sleep(windowS * 1000);
      const startS = Date.now() / 1000;
      const readsFrom = reads.length;
      await sleep(PHASE_S * 1000);
      const endS = Date.now() / 1000;
      const range = await promJson<{ result: { metric: { host: string }; values: [number, string][] }[] }>(
        `${prometheus.url}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${startS}&end=${endS}&step=${SCRAPE_S}`,
      );
      const ratios: number[] = [];
      for (const s of range.result)
        for (const [, v] of s.values) ratios.push(Number(v) / CORES[s.metric.host]);
      // The raw samples of one counter of sat-2a in the phase, matched to the read each
      // scrape made: the first read at or after the sample's timestamp.
      const raw = await promJson<{ result: { values: [number, string][] }[] }>(
        `${prometheus.url}/api/v1/query?query=${encodeURIComponent(`vmpilot_domain_cpu_time_seconds_total{domain="sat-2a-0"}[${Math.ceil(endS - startS)}s]`)}&time=${endS}`,
      );
      const stamps = (raw.result[0]?.values ?? []).map(([t]) => Math.round(t * 1000));
      const phaseReads = reads.slice(readsFrom - 5);
      const offsets: number[] = [];
      for (const ts of stamps) {
        const r = phaseReads.find((x) => x >= ts - 100);
        if (r !== undefined) offsets.push(r - ts);
      }
      const expected = Math.floor((endS - startS) / SCRAPE_S);
      const res: PhaseResult = {
        phase,
        points: ratios.length,
        ratio: {
          min: r4(Math.min(...ratios)),
          p50: r4(quantile(ratios, 0.5)),
          p99: r4(quantile(ratios, 0.99)),
          max: r4(Math.max(...ratios)),
        },
        above105: ratios.filter((x) => x > 1.05).length,
        aboveBound: ratios.filter((x) => x > bound).length,
        offsetMs: {
          min: Math.min(...offsets),
          p50: quantile(offsets, 0.5),
          p99: quantile(offsets, 0.99),
          max: Math.max(...offsets),
        },
        missedScrapes: Math.max(0, expected - stamps.length),
      };
      results.push(res);
      say(
        `${phase.padEnd(6)}: ${res.points} points, rate/true min ${res.ratio.min} p50 ${res.ratio.p50} p99 ${res.ratio.p99} max ${res.ratio.max}; ` +
          `> 1.05: ${res.above105}, > bound ${r4(bound)}: ${res.aboveBound}; counter read − timestamp ms min ${res.offsetMs.min} p50 ${res.offsetMs.p50} p99 ${res.offsetMs.p99} max ${res.offsetMs.max}; missed scrapes ${res.missedScrapes}`,
      );
    }
  } finally {
    for (const b of burners) b.kill('SIGKILL');
    await autoscaler?.stop(10_000);
    await prometheus.stop();
    await exporter.close();
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  }
  say(
    JSON.stringify({
      bench: 'rate-error',
      scrapeIntervalSeconds: SCRAPE_S,
      rateWindow: window,
      phaseSeconds: PHASE_S,
      burners: BURNERS,
      bound: r4(bound),
      phases: results,
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
