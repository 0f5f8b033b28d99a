// A hypervisor URI that cannot be connected at start-up does not stop `vmpilot autoscaler`
// (core/hypervisor/reconnecting.ts, autoscaler/service/reachability.ts). A real autoscaler
// process on two URIs: the e2e hotspot cluster (sim://, hosts "small" and "big") and a
// private libvirtd ("hb") that is stopped, so its socket does not answer. The reachable
// hosts are simulated because a libvirt test-driver host is always held "partial" through
// Prometheus (its bulk stats carry no CPU time: ENVIRONMENT.md), so nothing would be
// planned on it. The process serves /healthz, holds hb as hypervisor_unreachable while
// planning small and big, shows
// vmpilot_autoscaler_hypervisor_up{host="hb"} 0 (promtool-clean) and logs one warning for
// hb; then hb's libvirtd is started and the same process picks it up — metric 1, one info
// line, hb no longer held as unreachable, its host_up in the in-process exporter 1.
// Needs root, libvirt and Prometheus (`npm run setup`); fails naming what is missing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import type { Plan } from '../../core/model/plan';
import { startPrivateLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';
import { GiveUp, pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';
import { promtoolCheck, PROMTOOL } from '../exporter/scrape-text';
import { ensureBuilt, freePort, getJson, getText, sampleValue, spawnVmpilot, type Spawned } from './helpers';
import { stopService } from './service-setup';

jest.setTimeout(240_000);

const SCENARIO = path.join(__dirname, 'fixtures', 'hotspot.yaml');
const REACHABLE = ['small', 'big'];

interface LogLine {
  level: string;
  msg: string;
  uri?: string;
}

describe('vmpilot autoscaler with one hypervisor unreachable at start-up', () => {
  let dir: string;
  let hb: PrivateLibvirtd;
  let prom: RunningPrometheus | undefined;
  let auto: Spawned | undefined;
  let api: string;
  let exporter: string;
  const hbSpec = () => `hb=${hb.uri}`;

  /** The autoscaler's JSON log lines about hb's URI. */
  const hbLines = (): LogLine[] =>
    (auto?.stderr() ?? '')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.uri === hbSpec());
  const metrics = () => getText(`${api}/metrics`);
  const plan = () => getJson<Plan>(`${api}/api/v1/plan`);
  const alive = () => {
    if (auto?.child.exitCode !== null) throw new GiveUp(`autoscaler exited: ${auto?.stderr().slice(-2000)}`);
  };

  beforeAll(async () => {
    requireTool('prometheus', 'Debian package prometheus');
    requireTool(PROMTOOL, 'Debian package prometheus');
    ensureBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-unreachable-'));
    // Started once to get its socket path, then stopped: the URI names a daemon that is down.
    hb = await startPrivateLibvirtd();
    await hb.stop();
    const [exporterPort, apiPort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${apiPort}`;
    exporter = `http://127.0.0.1:${exporterPort}`;
    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporterPort}`],
      scrapeIntervalSeconds: 1,
      dataDir: path.join(dir, 'prometheus'),
    });
    const configFile = path.join(dir, 'vmpilot.yaml');
    writeFileSync(
      configFile,
      stringify({
        hypervisors: [`sim://${SCENARIO}`, hbSpec()],
        simulatorSpeed: 10,
        exporter: { listen: `127.0.0.1:${exporterPort}` },
        prometheus: { url: prom.url, scrapeIntervalSeconds: 1, historyPoints: 5, timeoutSeconds: 2 },
        planner: { t2Seconds: 1, t1Seconds: 2 },
        loops: { roundDeadlineSeconds: 30 },
        applier: { callTimeoutSeconds: 5 },
        dryRun: true,
        listen: `127.0.0.1:${apiPort}`,
        journal: path.join(dir, 'journal.jsonl'),
      }),
    );
    auto = spawnVmpilot([
      'autoscaler',
      '--config',
      configFile,
      '--log.level',
      'info',
      '--log.format',
      'json',
    ]);
  });

  afterAll(async () => {
    await stopService(auto);
    await prom?.stop().catch(() => undefined);
    await hb?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the reachable host, holds the other, and picks it up when its libvirtd starts', async () => {
    await pollUntil(
      async () => {
        alive();
        return (await fetch(`${api}/healthz`)).ok;
      },
      { what: "the autoscaler's /healthz", timeoutMs: 60_000 },
    );

    // hb is held as unreachable while the others are planned (their data via Prometheus).
    const first = await pollUntil(
      async () => {
        alive();
        const p = await plan();
        const hbHeld = p.held.find((h) => h.host === 'hb');
        const others = p.held.filter((h) => REACHABLE.includes(h.host));
        if (hbHeld?.code === 'hypervisor_unreachable' && others.length === 0) return p;
        throw new Error(`held: ${JSON.stringify(p.held)}`); // shown if the deadline passes
      },
      {
        what: 'a plan holding hb as unreachable and planning the others',
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
    expect(first.held.find((h) => h.host === 'hb')?.reason).toMatch(/hypervisor unreachable since/);

    const down = await metrics();
    expect(sampleValue(down, 'vmpilot_autoscaler_hypervisor_up', { host: 'hb' })).toBe(0);
    for (const host of REACHABLE)
      expect(sampleValue(down, 'vmpilot_autoscaler_hypervisor_up', { host })).toBe(1);
    expect(sampleValue(down, 'vmpilot_autoscaler_host_held', { host: 'hb' })).toBe(1);
    expect(await promtoolCheck(down)).toEqual({ code: 0, output: '' });
    // The in-process exporter reports the down host too (what the failed-host detector reads).
    expect(sampleValue(await getText(`${exporter}/metrics`), 'vmpilot_host_up', { host: 'hb' })).toBe(0);
    // Several rounds and background retries later: one warning for the outage, not one per
    // round or per retry (the retries log at debug level, below this process's info).
    await pollUntil(
      async () =>
        (sampleValue(await metrics(), 'vmpilot_autoscaler_rounds_total', { loop: 'local', outcome: 'ok' }) ??
          0) >= 5,
      { what: 'five ok local rounds', timeoutMs: 60_000, intervalMs: 500 },
    );
    const warnings = hbLines().filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.msg)).toEqual([
      'hypervisor unreachable; retrying in the background with back-off',
    ]);
    expect(auto?.stderr()).not.toMatch(/cannot list hypervisor hosts/);

    // The daemon appears; the same process connects to it without a restart.
    const pid = auto?.child.pid;
    await hb.start();
    await pollUntil(
      async () => {
        alive();
        return sampleValue(await metrics(), 'vmpilot_autoscaler_hypervisor_up', { host: 'hb' }) === 1;
      },
      { what: 'vmpilot_autoscaler_hypervisor_up{host="hb"} 1', timeoutMs: 90_000, intervalMs: 500 },
    );
    await pollUntil(
      async () => {
        alive();
        const p = await plan();
        return p.held.every((h) => h.code !== 'hypervisor_unreachable') ? p : undefined;
      },
      { what: 'a plan that holds no host as unreachable', timeoutMs: 60_000, intervalMs: 500 },
    );
    await pollUntil(
      async () => sampleValue(await getText(`${exporter}/metrics`), 'vmpilot_host_up', { host: 'hb' }) === 1,
      { what: 'the exporter reports hb up', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(auto?.child.pid).toBe(pid);
    expect(auto?.child.exitCode).toBeNull();
    const back = hbLines().filter((l) => l.level === 'info' && l.msg === 'hypervisor reachable again');
    expect(back).toHaveLength(1);
    expect(hbLines().filter((l) => l.level === 'warn')).toHaveLength(1);
    const up = await metrics();
    for (const host of REACHABLE)
      expect(sampleValue(up, 'vmpilot_autoscaler_hypervisor_up', { host })).toBe(1);
    expect(await promtoolCheck(up)).toEqual({ code: 0, output: '' });
  });
});
