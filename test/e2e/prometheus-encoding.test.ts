// Issue 15, round time: the source asks a loopback Prometheus for uncompressed answers
// (prometheus-api.ts acceptEncodingFor). Against Debian's Prometheus scraping a simulated
// cluster, a round read that way is the same snapshot, sample for sample, as a round read
// with gzip (forced through `prometheus.http.headers`) at the same evaluation instant.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { openSim } from '../../core/sim/adapter';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { parseConfigText } from '../../autoscaler/config/load';
import { sourceFromConfig } from '../../autoscaler/service/run';
import { pollUntil } from '../helpers/poll';
import { requirePrometheus } from './helpers';

jest.setTimeout(120_000);

const FIXTURE = path.join(__dirname, 'fixtures', 'hotspot.yaml');
const SCRAPE_S = 1;

let dir: string;
let sim: HypervisorPort;
let exporter: RunningExporter;
let prom: RunningPrometheus;

beforeAll(async () => {
  requirePrometheus();
  dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-encoding-'));
  sim = await openSim(`sim://${FIXTURE}`, { speed: 1 });
  exporter = await startExporter({
    hypervisor: sim,
    listen: { host: '127.0.0.1', port: 0 },
    deadlineMs: 5000,
  });
  prom = await startPrometheus({
    scrapeTargets: [new URL(exporter.url).host],
    scrapeIntervalSeconds: SCRAPE_S,
  });
});

afterAll(async () => {
  await prom?.stop();
  await exporter?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The autoscaler's source as `vmpilot autoscaler` builds it, with extra Prometheus headers. */
function source(headers?: Record<string, string>) {
  const cfg = parseConfigText(
    stringify({
      hypervisors: ['test:///default'],
      prometheus: {
        url: prom.url,
        scrapeIntervalSeconds: SCRAPE_S,
        historyPoints: 5,
        timeoutSeconds: 5,
        ...(headers ? { http: { headers } } : {}),
      },
      journal: path.join(dir, 'journal.jsonl'),
    }),
    path.join(dir, 'vmpilot.yaml'),
    dir,
  );
  return sourceFromConfig(cfg);
}

it('a round read uncompressed from a loopback Prometheus equals the same round read with gzip', async () => {
  const vms = (await Promise.all((await sim.listHosts()).map((h) => sim.listVms(h.name)))).flat();
  const plain = source();
  const gzip = source({ 'Accept-Encoding': 'gzip' });
  await pollUntil(
    async () => {
      const o = await plain.observe(Date.now()).catch(() => undefined);
      const full = o?.snapshot.vms.filter((v) => v.usageHistory.length >= 5).length ?? 0;
      return o && o.held.length === 0 && full === vms.length ? true : undefined;
    },
    { what: 'every VM with five points in Prometheus', timeoutMs: 60_000, intervalMs: 1000 },
  );
  // Three scrapes back: no sample is ingested between the two reads of that instant.
  const at = Date.now() - 3 * SCRAPE_S * 1000;
  const [a, b] = await Promise.all([plain.observe(at), gzip.observe(at)]);
  expect(a.snapshot.vms.length).toBe(vms.length);
  expect(a.snapshot.vms.some((v) => v.usageHistory.some((u) => u.cpu > 0))).toBe(true);
  expect(a).toEqual(b);
});
