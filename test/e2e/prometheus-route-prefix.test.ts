// Item 3 of issue 15: the snapshot reads work against a Prometheus-API endpoint under a path
// prefix, with the auth options from the config. Debian's Prometheus runs with
// `--web.route-prefix=/prom` (as behind a path-routing proxy such as a Thanos/Mimir gateway)
// and basic auth from its own --web.config.file; the autoscaler's source, built from a
// config whose `prometheus.url` carries the prefix and whose `prometheus.http.basicAuth`
// names the password file, reads every host and VM of the scraped simulated cluster. Without
// the prefix or without the password it gets the endpoint's own error (404, 401), not data.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { openSim } from '../../core/sim/adapter';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { parseConfigText } from '../../autoscaler/config/load';
import { sourceFromConfig } from '../../autoscaler/service/run';
import type { Observation } from '../../autoscaler/sources/source';
import { pollUntil } from '../helpers/poll';
import { requirePrometheus } from './helpers';

jest.setTimeout(120_000);

const FIXTURE = path.join(__dirname, 'fixtures', 'hotspot.yaml');
const PREFIX = '/prom';
const basic = (name: string, password: string) =>
  `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

let dir: string;
let sim: HypervisorPort;
let exporter: RunningExporter;
let prom: RunningPrometheus;

beforeAll(async () => {
  requirePrometheus();
  dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-prefix-'));
  sim = await openSim(`sim://${FIXTURE}`, { speed: 1 });
  exporter = await startExporter({
    hypervisor: sim,
    listen: { host: '127.0.0.1', port: 0 },
    deadlineMs: 5000,
  });
  const web = path.join(dir, 'prometheus-web.yml');
  writeFileSync(web, `basic_auth_users:\n  reader: ${JSON.stringify(bcrypt.hashSync('read-secret', 10))}\n`);
  writeFileSync(path.join(dir, 'prom-password'), 'read-secret\n');
  prom = await startPrometheus({
    scrapeTargets: [new URL(exporter.url).host],
    scrapeIntervalSeconds: 1,
    routePrefix: PREFIX,
    extraArgs: [`--web.config.file=${web}`],
    readyHeaders: { Authorization: basic('reader', 'read-secret') },
  });
});

afterAll(async () => {
  await prom?.stop();
  await exporter?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The autoscaler's Prometheus source from a config file's text, as `vmpilot autoscaler` builds it. */
function source(url: string, auth: boolean) {
  const cfg = parseConfigText(
    stringify({
      hypervisors: ['test:///default'],
      prometheus: {
        url,
        scrapeIntervalSeconds: 1,
        historyPoints: 5,
        timeoutSeconds: 5,
        ...(auth ? { http: { basicAuth: { username: 'reader', passwordFile: 'prom-password' } } } : {}),
      },
      journal: path.join(dir, 'journal.jsonl'),
    }),
    path.join(dir, 'vmpilot.yaml'),
    dir,
  );
  return sourceFromConfig(cfg);
}

/** What a round sees: an observation, or the error's text. */
async function observe(url: string, auth: boolean): Promise<Observation | string> {
  const s = source(url, auth); // a config error fails the test
  try {
    return await s.observe(Date.now());
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

it('the prefixed URL with basic auth from the config reads every host and VM', async () => {
  expect(prom.url).toMatch(/\/prom$/);
  const hosts = (await sim.listHosts()).map((h) => h.name).sort();
  const vms = (await Promise.all(hosts.map((h) => sim.listVms(h))))
    .flat()
    .map((v) => v.name)
    .sort();
  const seen = await pollUntil(
    async () => {
      const o = await observe(prom.url, true);
      return typeof o !== 'string' && o.held.length === 0 && o.snapshot.vms.length === vms.length
        ? o
        : undefined;
    },
    { what: 'a full snapshot through the prefixed URL', timeoutMs: 60_000, intervalMs: 1000 },
  );
  expect(seen.snapshot.hosts.map((h) => h.name).sort()).toEqual(hosts);
  expect(seen.snapshot.vms.map((v) => v.name).sort()).toEqual(vms);
});

it('without the prefix or without the password, the endpoint refuses: no data', async () => {
  const unprefixed = prom.url.slice(0, -PREFIX.length);
  const noPrefix = await observe(unprefixed, true);
  const noAuth = await observe(prom.url, false);
  const text = (o: Observation | string) =>
    typeof o === 'string'
      ? o
      : `held: ${o.held.map((h) => h.reason).join('; ')} (${o.snapshot.vms.length} VMs)`;
  expect(text(noPrefix)).toMatch(/\b404\b/);
  expect(text(noAuth)).toMatch(/\b401\b/);
});
