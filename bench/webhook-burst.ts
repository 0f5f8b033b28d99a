// `npm run bench -- webhook-burst [--alerts 10000] [--plan-waves 20]`
//
// Bounded work per request (issue 17), measured on the real autoscaler (startAutoscaler:
// API, service with its loops, journal on disk, in-process simulated cluster, an in-memory
// metrics source so no Prometheus is needed):
//   1. one authenticated webhook of N alerts, while /healthz is polled back to back:
//      /healthz latency p50/p99/max during the post, the post's own time, and the journal's
//      size; RSS before, right after and 10 s after the burst;
//   2. waves of 50 concurrent GET /api/v1/plan: observations the service made (at most one
//      per T2), RSS before and after.
// Human lines first; the last line is one JSON object {"bench":"webhook-burst",…}.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../autoscaler/config/load';
import { startAutoscaler } from '../autoscaler/service/run';
import { MemorySource } from '../autoscaler/sources/memory';
import type { ClusterSnapshot } from '../core/model/snapshot';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const ALERTS = arg('alerts', 10_000);
const WAVES = arg('plan-waves', 20);
const TOKEN = 'bench-token';

const say = (l: string) => process.stdout.write(`${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
/** V8 heap in use: what the process holds, apart from pages V8 keeps but does not use. */
const heap = () => Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const r2 = (x: number) => Math.round(x * 100) / 100;

function snapshot(now: number): ClusterSnapshot {
  return {
    at: now,
    intervalSeconds: 15,
    hosts: ['a', 'b'].map((name) => ({
      name,
      cpus: 8,
      capacity: { cpu: 8, mem: 32 * 2 ** 30, disk: 2e8, net: 1.2e8 },
      usageHistory: [{ cpu: 2, mem: 8 * 2 ** 30, disk: 0, net: 0 }],
      up: true,
      ageSeconds: 1,
    })),
    vms: [],
  };
}

function payload(n: number): string {
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="VmpilotHostOverloaded"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vmpilot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'VmpilotHostOverloaded', host: `h${i % 100}`, instance: `i${i}` },
      annotations: { summary: 'cpu above 85 % in 3 of the last 5 samples' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `${Date.now().toString(16)}${i.toString(16).padStart(8, '0')}`,
    })),
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-bench-burst-'));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, TOKEN);
  let observations = 0;
  const t2Seconds = 5;
  const cfg = validateConfig(
    {
      hypervisors: ['sim://seed-experiment'],
      listen: '127.0.0.1:0',
      journal: path.join(dir, 'journal.jsonl'),
      authTokenFile: tokenFile,
      planner: { t2Seconds, t1Seconds: 2 * t2Seconds },
    },
    'bench',
    dir,
  );
  const a = await startAutoscaler(cfg, {
    log: pino({ level: 'silent' }),
    source: new MemorySource((now) => {
      observations++;
      return snapshot(now);
    }),
  });
  try {
    await sleep(2000);
    gc();
    const rssBase = mib();
    const heapBase = heap();
    say(
      `gc exposed: ${typeof (globalThis as { gc?: unknown }).gc === 'function'} (node --expose-gc for settled numbers)`,
    );
    say(`RSS at rest: ${rssBase} MiB`);

    // 1. One webhook of ALERTS alerts while /healthz is polled back to back.
    const body = payload(ALERTS);
    const latencies: number[] = [];
    let posting = true;
    const poller = (async () => {
      while (posting) {
        const t0 = performance.now();
        await fetch(`${a.apiUrl}/healthz`).then((r) => r.text());
        latencies.push(performance.now() - t0);
      }
    })();
    await sleep(200); // /healthz samples before the post too
    const t0 = performance.now();
    const res = await fetch(`${a.apiUrl}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body,
    });
    const answer = (await res.json()) as { accepted?: number };
    const postMs = performance.now() - t0;
    await sleep(200);
    posting = false;
    await poller;
    const rssAfterWebhook = mib();
    await sleep(10_000);
    gc();
    const rssSettledWebhook = mib();
    const heapSettledWebhook = heap();
    const events = a.journal.events().length;
    const webhook = {
      alerts: ALERTS,
      status: res.status,
      accepted: answer.accepted ?? 0,
      bodyMiB: r2(Buffer.byteLength(body) / 2 ** 20),
      postMs: Math.round(postMs),
      journalMiB: r2(statSync(cfg.journal).size / 2 ** 20),
      healthz: {
        samples: latencies.length,
        p50Ms: r2(quantile(latencies, 0.5)),
        p99Ms: r2(quantile(latencies, 0.99)),
        maxMs: r2(Math.max(...latencies)),
      },
      rssMiB: { before: rssBase, after: rssAfterWebhook, settled10s: rssSettledWebhook },
      heapUsedMiB: { before: heapBase, settled10s: heapSettledWebhook },
      eventsKept: events,
    };
    say(
      `webhook: ${ALERTS} alerts (${webhook.bodyMiB} MiB) → ${res.status}, accepted ${webhook.accepted}, ${webhook.postMs} ms`,
    );
    say(
      `/healthz during the post: ${latencies.length} samples, p50 ${webhook.healthz.p50Ms} ms, p99 ${webhook.healthz.p99Ms} ms, max ${webhook.healthz.maxMs} ms`,
    );
    say(
      `RSS: before ${rssBase} MiB, right after ${rssAfterWebhook} MiB, 10 s later ${rssSettledWebhook} MiB`,
    );
    say(
      `heap used: before ${heapBase} MiB, 10 s later ${heapSettledWebhook} MiB (it holds the ${events} journalled alert events the events API serves, and the inbox's firing alerts)`,
    );

    // 2. Waves of 50 concurrent GET /api/v1/plan.
    gc();
    const rssBeforePlan = mib();
    const heapBeforePlan = heap();
    const obs0 = observations;
    const p0 = performance.now();
    for (let w = 0; w < WAVES; w++) {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${a.apiUrl}/api/v1/plan`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) =>
            r.text(),
          ),
        ),
      );
    }
    const planSeconds = (performance.now() - p0) / 1000;
    const rssAfterPlan = mib();
    await sleep(5000);
    gc();
    const rssSettledPlan = mib();
    const heapSettledPlan = heap();
    const extra = observations - obs0;
    const allowed = Math.ceil((planSeconds + 5) / t2Seconds) * 2 + 1; // the loops' own rounds count too
    const plan = {
      requests: WAVES * 50,
      seconds: r2(planSeconds),
      observations: extra,
      boundObservations: allowed,
      rssMiB: { before: rssBeforePlan, after: rssAfterPlan, settled5s: rssSettledPlan },
      heapUsedMiB: { before: heapBeforePlan, settled5s: heapSettledPlan },
    };
    say(
      `plan: ${plan.requests} requests in ${plan.seconds} s → ${extra} observations (loops included; bound ${allowed})`,
    );
    say(`RSS: before ${rssBeforePlan} MiB, right after ${rssAfterPlan} MiB, 5 s later ${rssSettledPlan} MiB`);
    say(`heap used: before ${heapBeforePlan} MiB, 5 s later ${heapSettledPlan} MiB`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'webhook-burst', node: process.version, webhook, plan })}\n`,
    );
  } finally {
    await a.stop(2000);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`webhook-burst: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
