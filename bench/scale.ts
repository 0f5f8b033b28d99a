// `npm run bench -- scale [--hosts 100,250,500] [--vms-per-host 20] [--hosts-per-exporter 100]
//                          [--scrape-interval 10] [--rounds 5] [--profile]`
//
// The autoscaler at scale on real engines (issue 15): a generated simulated cluster cut
// into slices, each served by its own `vmpilot exporter` process (sim:///slice.yaml), all
// scraped by Debian's Prometheus (started here on 127.0.0.1 with a temp dir), and the
// autoscaler's own round — AutoscalerService.planRound('both'): the PromQL snapshot, the
// plausibility gate, the hypervisor read-back (enrich) and the global + local planner —
// timed in this process. Per size: hosts, VMs, Prometheus head series, snapshot seconds
// (the Prometheus source's observe), plan seconds (the strategy's global + local calls),
// round seconds (the whole planRound), median over --rounds, and the RSS of this process.
// Goal (issue 15): a round at 500 hosts / 10,000 VMs < 5 s, growth no worse than linear.
//
// The service's hypervisor port is an in-process copy of the same cluster on a frozen clock,
// so the round pays for the port calls, never for simulating. The exporters and Prometheus
// keep running (scraping) while rounds are timed, on the same two cores: wall times include
// that contention. Human lines first; the last line is one JSON object {"bench":"scale",…}.
// --profile: after the rounds, each of the round's queries alone with Prometheus' stats and
// its parts timed (lib/query-profile.ts), and the rounds' own per-query times from the query log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../autoscaler/config/load';
import { MemoryEventLog } from '../autoscaler/journal/event-log';
import { ServiceMetrics } from '../autoscaler/service/metrics';
import { sourceFromConfig } from '../autoscaler/service/run';
import { AutoscalerService } from '../autoscaler/service/service';
import type { MetricsSource } from '../autoscaler/sources/source';
import type { Strategy } from '../autoscaler/strategies/strategy';
import { vmpilotStrategy } from '../autoscaler/strategies/vmpilot';
import { connectHypervisors } from '../core/hypervisor/connect';
import { freePort, startPrometheus } from '../core/procs/prometheus';
import { rateWindowOf } from '../autoscaler/config/schema';
import { expandQuery } from '../autoscaler/config/queries';
import { horizonCpuQuery } from '../autoscaler/sources/horizon-query';
import { INSTANT, RANGE } from '../autoscaler/sources/prometheus';
import { parseDuration } from '../core/model/duration';
import { profileQueries, queryLogTimes, type QueryProfile } from './lib/query-profile';
import { scaleCluster, writeSlices } from './lib/scale-scenario';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const SIZES = arg('hosts', '100,250,500').split(',').map(Number);
const VMS_PER_HOST = Number(arg('vms-per-host', '20'));
const HOSTS_PER_EXPORTER = Number(arg('hosts-per-exporter', '100'));
const SCRAPE_S = Number(arg('scrape-interval', '15'));
const ROUNDS = Number(arg('rounds', '5'));
const HISTORY_POINTS = 5;
const PROFILE = process.argv.includes('--profile');

const say = (l: string) => process.stdout.write(`${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const BIN = path.join(__dirname, '..', '..', 'bin', 'vmpilot.js');

/** `vmpilot exporter` serving one slice; resolves once its /metrics answers. */
async function startExporterProcess(uri: string): Promise<{ child: ChildProcess; address: string }> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    // --no-lean-memory: one process stands in for a hundred per-host exporters here, and the
    // small heap that suits 20 VMs spends most of a 2,000-VM scrape collecting garbage.
    [
      BIN,
      'exporter',
      '--connect',
      uri,
      '--web.listen-address',
      address,
      '--log.level',
      'warn',
      '--no-lean-memory',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exporter for ${uri} exited with ${child.exitCode}`);
    try {
      const r = await fetch(`http://${address}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return { child, address };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`exporter for ${uri} not up within 120 s`);
    await sleep(200);
  }
}

function kill(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

interface Run {
  hosts: number;
  vms: number;
  exporters: number;
  series: number;
  snapshot_s: number;
  plan_s: number;
  /** Round time neither in the snapshot nor in the planner: gate, hypervisor read-back, assembly. */
  other_s: number;
  round_s: number;
  /** CPU time of this process in the snapshot (gunzip, JSON, samples, joins). */
  snapshot_cpu_s: number;
  /** CPU time of this process in the round (user + system): the autoscaler's own cost, whatever else runs. */
  round_cpu_s: number;
  rss_bytes: number;
  held_hosts: number;
  actions: number;
  /** 1-minute load average of the machine when the rounds started and ended (shared machine). */
  load_1m: [number, number];
  /** With --profile: each query alone (lib/query-profile.ts), with the rounds' query-log times. */
  profile?: (QueryProfile & { round_exec_ms?: number; round_queue_ms?: number })[];
}

async function measure(hosts: number): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-bench-scale-'));
  const children: ChildProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const cluster = scaleCluster(hosts, VMS_PER_HOST);
    const uris = writeSlices(dir, `scale${hosts}`, cluster, Math.ceil(hosts / HOSTS_PER_EXPORTER));
    const t0 = performance.now();
    const exporters = await Promise.all(uris.map(startExporterProcess));
    for (const e of exporters) children.push(e.child);
    say(
      `  ${hosts} hosts: ${exporters.length} exporter processes up in ${r3((performance.now() - t0) / 1000)} s`,
    );
    const prom = await startPrometheus({
      scrapeTargets: exporters.map((e) => e.address),
      scrapeIntervalSeconds: SCRAPE_S,
      dataDir: path.join(dir, 'prometheus'),
      readyTimeoutMs: 60_000,
      ...(PROFILE ? { queryLogFile: path.join(dir, 'query.log') } : {}),
    });
    closers.push(() => prom.stop());
    const cfg = validateConfig(
      {
        hypervisors: uris,
        prometheus: {
          url: prom.url,
          scrapeIntervalSeconds: SCRAPE_S,
          historyPoints: HISTORY_POINTS,
          timeoutSeconds: 30,
          maxSeries: 1_000_000,
          maxHosts: 100_000,
        },
        loops: { roundDeadlineSeconds: 120 },
      },
      'bench-scale.yaml',
      dir,
    );
    const frozen = Date.now();
    const port = await connectHypervisors(uris, { clock: () => frozen });
    closers.push(() => port.close());

    const prometheusSource = sourceFromConfig(cfg);
    let snapshotS = 0;
    let snapshotCpuS = 0;
    const source: MetricsSource = {
      observe: async (now) => {
        const s = performance.now();
        const c0 = process.cpuUsage();
        try {
          return await prometheusSource.observe(now);
        } finally {
          snapshotS = (performance.now() - s) / 1000;
          const c = process.cpuUsage(c0);
          snapshotCpuS = (c.user + c.system) / 1e6;
        }
      },
    };
    const planner = vmpilotStrategy();
    let planS = 0;
    type Round = NonNullable<Strategy['global']>;
    const timed =
      (fn: Round): Round =>
      (input) => {
        const s = performance.now();
        try {
          return fn(input);
        } finally {
          planS += (performance.now() - s) / 1000;
        }
      };
    const strategy: Strategy = {
      name: planner.name,
      ...(planner.global ? { global: timed(planner.global.bind(planner)) } : {}),
      ...(planner.local ? { local: timed(planner.local.bind(planner)) } : {}),
    };
    const service = new AutoscalerService({
      config: cfg,
      port,
      source,
      journal: new MemoryEventLog(),
      metrics: new ServiceMetrics({ processMetrics: false }),
      log: pino({ level: 'silent' }),
      strategy,
    });

    // Wait for full data: every VM with its HISTORY_POINTS observations.
    const deadline = Date.now() + (HISTORY_POINTS + 8) * SCRAPE_S * 1000 + 120_000;
    for (;;) {
      const o = await prometheusSource.observe(Date.now()).catch(() => null);
      const full = o ? o.snapshot.vms.filter((v) => v.usageHistory.length >= HISTORY_POINTS).length : 0;
      if (o && o.snapshot.hosts.length === hosts && full === hosts * VMS_PER_HOST && o.held.length === 0)
        break;
      if (Date.now() > deadline)
        throw new Error(
          `${hosts} hosts: data not complete in Prometheus in time (${o?.snapshot.hosts.length ?? 0} hosts, ${full} VMs with full history, ${o?.held.length ?? '?'} held)`,
        );
      await sleep(SCRAPE_S * 1000);
    }

    const runs: {
      snapshot: number;
      snapshotCpu: number;
      plan: number;
      round: number;
      cpu: number;
      held: number;
      actions: number;
    }[] = [];
    let rss = 0;
    const loadBefore = loadavg()[0];
    for (let i = 0; i < ROUNDS + 1; i++) {
      planS = 0;
      const s = performance.now();
      const c0 = process.cpuUsage();
      const { plan } = await service.planRound('both', Date.now());
      const round = (performance.now() - s) / 1000;
      const c = process.cpuUsage(c0);
      rss = Math.max(rss, process.memoryUsage().rss);
      // The first round warms the JIT and the connections; it is not counted.
      if (i > 0)
        runs.push({
          snapshot: snapshotS,
          snapshotCpu: snapshotCpuS,
          plan: planS,
          round,
          cpu: (c.user + c.system) / 1e6,
          held: plan.held.length,
          actions: plan.actions.length,
        });
    }
    const loadAfter = loadavg()[0];
    const tsdb = (await (
      await fetch(`${prom.url}/api/v1/status/tsdb`, { signal: AbortSignal.timeout(10_000) })
    ).json()) as {
      data: { headStats: { numSeries: number } };
    };
    const profile = PROFILE ? await profileRound(cfg, prom.url, path.join(dir, 'query.log')) : undefined;
    const snapshot = median(runs.map((r) => r.snapshot));
    const plan = median(runs.map((r) => r.plan));
    const round = median(runs.map((r) => r.round));
    return {
      hosts,
      vms: hosts * VMS_PER_HOST,
      exporters: exporters.length,
      series: tsdb.data.headStats.numSeries,
      snapshot_s: r3(snapshot),
      plan_s: r3(plan),
      other_s: r3(round - snapshot - plan),
      round_s: r3(round),
      snapshot_cpu_s: r3(median(runs.map((r) => r.snapshotCpu))),
      round_cpu_s: r3(median(runs.map((r) => r.cpu))),
      rss_bytes: rss,
      held_hosts: median(runs.map((r) => r.held)),
      actions: median(runs.map((r) => r.actions)),
      load_1m: [r3(loadBefore), r3(loadAfter)],
      ...(profile ? { profile } : {}),
    };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    for (const c of children) kill(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each of a round's queries alone at one instant, with the rounds' query-log times (--profile). */
async function profileRound(
  cfg: ReturnType<typeof validateConfig>,
  url: string,
  queryLog: string,
): Promise<NonNullable<Run['profile']>> {
  const window = rateWindowOf(cfg);
  const queries: { name: string; kind: 'instant' | 'range'; promql: string }[] = [
    ...INSTANT.map((name) => ({ name, kind: 'instant' as const })),
    ...RANGE.map((name) => ({ name, kind: 'range' as const })),
  ].map((q) => ({ ...q, promql: expandQuery(cfg.prometheus.queries[q.name], { window }) }));
  const inRounds = queryLogTimes(queryLog);
  const now = Date.now() - 2 * SCRAPE_S * 1000;
  const step = cfg.prometheus.scrapeIntervalSeconds;
  const rows = await profileQueries(url, queries, now, now - (HISTORY_POINTS - 1) * step * 1000, step);
  // The VMs' horizon history: the round's one range query over the planning horizon (issue 12).
  const h = horizonCpuQuery(cfg.prometheus.queries, {
    now,
    horizonSeconds: cfg.planner.migration.horizonSeconds,
    scrapeIntervalSeconds: step,
    rateWindowSeconds: parseDuration(window) / 1000,
  });
  queries.push({ name: 'vmHorizonCpu', kind: 'range', promql: h.promql });
  rows.push(...(await profileQueries(url, queries.slice(-1), h.endMs, h.startMs, h.stepSeconds)));
  const out = rows.map((r, i) => {
    const t = inRounds.get(queries[i].promql);
    return { ...r, ...(t ? { round_exec_ms: t.exec_ms, round_queue_ms: t.queue_ms } : {}) };
  });
  say(
    '    query            kind     series  eval ms  wall ms  wire KiB  JSON KiB  gunzip ms  parse ms  in rounds: exec ms (queue)',
  );
  for (const r of out)
    say(
      `    ${r.name.padEnd(16)} ${r.kind.padEnd(7)} ${String(r.series).padStart(7)} ${String(r.eval_ms).padStart(8)} ${String(r.wall_ms).padStart(8)} ${String(Math.round(r.wire_bytes / 1024)).padStart(9)} ${String(Math.round(r.json_bytes / 1024)).padStart(9)} ${String(r.gunzip_ms).padStart(10)} ${String(r.parse_ms).padStart(9)}  ${r.round_exec_ms ?? '?'} (${r.round_queue_ms ?? '?'})`,
    );
  const sum = (f: (r: QueryProfile) => number) => out.reduce((a, r) => a + f(r), 0);
  say(
    `    sum: eval ${sum((r) => r.eval_ms)} ms, wall ${sum((r) => r.wall_ms)} ms, wire ${Math.round(sum((r) => r.wire_bytes) / 2 ** 20)} MiB, JSON ${Math.round(sum((r) => r.json_bytes) / 2 ** 20)} MiB, gunzip ${sum((r) => r.gunzip_ms)} ms, parse ${sum((r) => r.parse_ms)} ms`,
  );
  return out;
}

async function main(): Promise<void> {
  say(
    `scale bench: ${SIZES.join(' / ')} hosts × ${VMS_PER_HOST} VMs, ≤ ${HOSTS_PER_EXPORTER} hosts per exporter process, scrape every ${SCRAPE_S} s, median of ${ROUNDS} rounds`,
  );
  const runs: Run[] = [];
  for (const hosts of SIZES) {
    const r = await measure(hosts);
    runs.push(r);
    say(
      `  ${r.hosts} hosts / ${r.vms} VMs (${r.series} series): snapshot ${r.snapshot_s} s, plan ${r.plan_s} s, other ${r.other_s} s, round ${r.round_s} s (CPU ${r.round_cpu_s} s, snapshot CPU ${r.snapshot_cpu_s} s), RSS ${Math.round(r.rss_bytes / 2 ** 20)} MiB, held ${r.held_hosts}, actions ${r.actions}, load ${r.load_1m[0]} → ${r.load_1m[1]}`,
    );
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  // Growth: round time per host at the largest size over the smallest (≤ 1 is linear or better).
  const growth = r3(last.round_s / last.hosts / (first.round_s / first.hosts));
  const largest = runs.find((r) => r.hosts === 500);
  const goal = { round_s_below: 5, at_hosts: 500, met: largest ? largest.round_s < 5 : null };
  say(
    `  round time per host grows ×${growth} from ${first.hosts} to ${last.hosts} hosts; goal (500 hosts < 5 s): ${goal.met === null ? 'not measured' : goal.met ? 'met' : 'MISSED'}`,
  );
  process.stdout.write(
    `${JSON.stringify({ bench: 'scale', vms_per_host: VMS_PER_HOST, scrape_interval_s: SCRAPE_S, rounds: ROUNDS, runs, per_host_growth: growth, goal })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`bench scale: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
