// `npm run bench -- series-burst [--hosts 20000] [--rounds 5]`
//
// Caps on what is taken from Prometheus (issue 17), measured with a real Prometheus: a
// stand-in exporter serves N phantom hosts (host up, CPUs, memory: 3 series each) and a real
// Prometheus scrapes it. The service (Prometheus source, plausibility gate, real planner)
// then plans a few rounds, first with the default caps (prometheus.maxHosts 1,000: every
// host held as too_many_series), then with the caps lifted (what the code did before).
// Reports RSS and V8 heap before/after each burst and the round time.
// Human lines first; the last line is one JSON object {"bench":"series-burst",…}.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../autoscaler/config/load';
import { Journal } from '../autoscaler/journal/journal';
import { ServiceMetrics } from '../autoscaler/service/metrics';
import { sourceFromConfig } from '../autoscaler/service/run';
import { AutoscalerService } from '../autoscaler/service/service';
import { connectHypervisors } from '../core/hypervisor/connect';
import { freePort, startPrometheus } from '../core/procs/prometheus';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const HOSTS = arg('hosts', 20_000);
const ROUNDS = arg('rounds', 5);

const say = (l: string) => process.stdout.write(`${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const mem = () => ({ rss: mib(process.memoryUsage().rss), heap: mib(process.memoryUsage().heapUsed) });

function exposition(): string {
  const out: string[] = [];
  for (let i = 0; i < HOSTS; i++) {
    out.push(`vmpilot_host_up{host="phantom${i}"} 1`);
    out.push(`vmpilot_host_cpus{host="phantom${i}"} 8`);
    out.push(`vmpilot_host_memory_total_bytes{host="phantom${i}"} 34359738368`);
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-bench-series-'));
  const body = exposition();
  const exporter = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(body);
  });
  const exporterPort = await freePort();
  await new Promise<void>((r) => exporter.listen(exporterPort, '127.0.0.1', r));
  const prometheus = await startPrometheus({
    scrapeTargets: [`127.0.0.1:${exporterPort}`],
    scrapeIntervalSeconds: 2,
    dataDir: path.join(dir, 'prometheus'),
  });
  const port = await connectHypervisors(['sim://seed-experiment']);
  const results: Record<string, unknown> = {};
  try {
    // Wait until Prometheus has the phantom hosts.
    for (let i = 0; i < 60; i++) {
      const r = (await (
        await fetch(`${prometheus.url}/api/v1/query?query=count(vmpilot_host_up)`)
      ).json()) as { data?: { result?: { value: [number, string] }[] } };
      if (Number(r.data?.result?.[0]?.value[1] ?? 0) >= HOSTS) break;
      await sleep(1000);
    }
    for (const [label, maxHosts, maxSeries] of [
      ['default caps (maxHosts 1000)', undefined, undefined],
      ['caps lifted (as before issue 17)', 1_000_000, 10_000_000],
    ] as const) {
      const cfg = validateConfig(
        {
          hypervisors: ['sim://seed-experiment'],
          journal: path.join(dir, `journal-${maxHosts ?? 'default'}.jsonl`),
          prometheus: {
            url: prometheus.url,
            scrapeIntervalSeconds: 2,
            timeoutSeconds: 30,
            ...(maxHosts ? { maxHosts, maxSeries } : {}),
          },
          loops: { roundDeadlineSeconds: 60 },
        },
        'bench',
        dir,
      );
      const { journal } = Journal.open(cfg.journal);
      const service = new AutoscalerService({
        config: cfg,
        port,
        source: sourceFromConfig(cfg),
        journal,
        metrics: new ServiceMetrics({ processMetrics: false }),
        log: pino({ level: 'silent' }),
      });
      gc();
      const before = mem();
      const times: number[] = [];
      const codes = new Map<string, number>();
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        const r = await service.runRound('local');
        times.push(Math.round(performance.now() - t0));
        for (const h of r.plan.held) codes.set(h.code, (codes.get(h.code) ?? 0) + 1);
      }
      const after = mem();
      await sleep(5000);
      gc();
      const settled = mem();
      journal.close();
      const held = Object.fromEntries(codes);
      say(
        `${label}: ${ROUNDS} rounds of ${times.join('/')} ms; held ${JSON.stringify(held)}; RSS ${before.rss} → ${after.rss} → ${settled.rss} MiB (5 s, GC); heap ${before.heap} → ${after.heap} → ${settled.heap} MiB`,
      );
      results[maxHosts ? 'capsLifted' : 'defaultCaps'] = {
        roundMs: times,
        held,
        before,
        after,
        settled5s: settled,
      };
    }
    process.stdout.write(
      `${JSON.stringify({ bench: 'series-burst', hosts: HOSTS, rounds: ROUNDS, ...results })}\n`,
    );
  } finally {
    await port.close();
    await prometheus.stop();
    await new Promise((r) => exporter.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`series-burst: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
