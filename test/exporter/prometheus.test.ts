// Integration with a real Prometheus (Debian's binary, started by core/procs/prometheus.ts)
// scraping the exporter over the simulated cluster on the real clock, so CPU time moves:
// `up` is 1 and rate(vmpilot_domain_cpu_time_seconds_total) returns one series per VM.
// Also: startPrometheus restarts on the same port and data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(url: string, promql: string): Promise<VectorResult[]> {
  const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await r.json()) as { status: string; data?: { result: VectorResult[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data?.result ?? [];
}

describe('exporter scraped by a real Prometheus', () => {
  let port: HypervisorPort;
  let exporter: RunningExporter;
  let prom: RunningPrometheus | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vmpilot-exporter-prom-'));

  beforeAll(async () => {
    requireTool('prometheus', 'prometheus');
    port = await connectHypervisors(['sim://seed-experiment']);
    exporter = await startExporter({ hypervisor: port, listen: { host: '127.0.0.1', port: 0 } });
    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporter.port}`],
      scrapeIntervalSeconds: 1,
      dataDir,
    });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
    await port?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('sees up == 1 and a per-VM CPU rate', async () => {
    const p = prom as RunningPrometheus;
    const up = await pollUntil(
      async () => {
        const r = await query(p.url, 'up{job="vmpilot"}');
        return r.length === 1 && r[0].value[1] === '1' && r;
      },
      { what: 'up == 1', timeoutMs: 40_000, intervalMs: 500 },
    );
    expect(up[0].metric.instance).toBe(`127.0.0.1:${exporter.port}`);

    const vms = await port.listHosts().then((hs) => Promise.all(hs.map((h) => port.listVms(h.name))));
    const running = vms.flat().filter((v) => v.state === 'running').length;
    const rates = await pollUntil(
      async () => {
        const r = await query(p.url, 'rate(vmpilot_domain_cpu_time_seconds_total[5s])');
        return r.length >= running && r.some((s) => Number(s.value[1]) > 0) && r;
      },
      { what: 'per-VM CPU rates', timeoutMs: 40_000, intervalMs: 500 },
    );
    const keys = new Set(rates.map((s) => `${s.metric.host}/${s.metric.domain}/${s.metric.uuid}`));
    expect(keys.size).toBe(rates.length); // one series per VM
    for (const s of rates) {
      expect(Number(s.value[1])).toBeGreaterThanOrEqual(0);
      expect(s.metric.uuid).toMatch(/\S/);
    }
  }, 60_000);

  it('restarts on the same port and data directory', async () => {
    const p = prom as RunningPrometheus;
    await p.stop();
    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporter.port}`],
      scrapeIntervalSeconds: 1,
      port: p.port,
      dataDir,
    });
    expect(prom.port).toBe(p.port);
    // the data scraped before the restart is still there
    const r = await query(prom.url, 'count_over_time(up{job="vmpilot"}[10m])');
    expect(Number(r[0]?.value[1] ?? 0)).toBeGreaterThan(0);
  }, 60_000);
});
