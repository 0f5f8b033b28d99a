// The whole chain as an operator runs it: `vmpilot demo` on a hotspot scenario — simulated
// cluster + exporter + autoscaler in one process, a real Prometheus (Debian) scraping the
// exporter. The test sees the migration in the events API and the VM on its new host in
// the exporter's metrics, runs `vmpilot plan --json` beside it, and checks that SIGINT
// stops everything (Prometheus included).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TuningEvent } from '../../core/model/event';
import {
  BIN,
  ensureBuilt,
  freePort,
  getJson,
  getText,
  killPrometheusOnPort,
  processRunning,
  spawnVmpilot,
  within,
  type Spawned,
  requirePrometheus,
} from './helpers';
import { GiveUp, pollUntil } from '../helpers/poll';

const run = promisify(execFile);
const SCENARIO = path.join(__dirname, 'fixtures', 'hotspot.yaml');
jest.setTimeout(300_000); // real processes: Prometheus, the CLI, simulated migrations

beforeAll(requirePrometheus);

interface EventsPage {
  events: (TuningEvent & { error?: string })[];
  next: string | null;
}

describe('vmpilot demo: sim → exporter → Prometheus → autoscaler → sim', () => {
  let demo: Spawned;
  let workdir: string;
  let ports: { exporter: number; api: number; prometheus: number };
  let api: string;

  beforeAll(async () => {
    ensureBuilt();
    workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-demo-'));
    ports = { exporter: await freePort(), api: await freePort(), prometheus: await freePort() };
    api = `http://127.0.0.1:${ports.api}`;
    demo = spawnVmpilot([
      'demo',
      '--scenario',
      SCENARIO,
      '--speed',
      '10',
      '--t2',
      '10',
      '--scrape-interval',
      '1',
      '--exporter-port',
      String(ports.exporter),
      '--api-port',
      String(ports.api),
      '--prometheus-port',
      String(ports.prometheus),
      '--workdir',
      workdir,
      '--duration',
      '240',
    ]);
    await pollUntil(
      async () => {
        if (demo.child.exitCode !== null) throw new GiveUp(`demo exited: ${demo.stderr()}`);
        return (await fetch(`${api}/healthz`)).ok;
      },
      { what: 'the demo API', timeoutMs: 60000 },
    );
  });

  afterAll(async () => {
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
      // A failed test left the demo running: ask it to stop everything, then make sure.
      process.kill(demo.child.pid as number, 'SIGINT');
      if ((await within(demo.exited, 30000, null)) === null) demo.kill('SIGKILL');
      await demo.exited;
    }
    if (ports) killPrometheusOnPort(ports.prometheus);
    rmSync(workdir, { recursive: true, force: true });
  });

  it('`vmpilot plan --json` on the demo cluster prints actions, each with a reason', async () => {
    const plan = await pollUntil(
      async () => {
        const { stdout } = await run(
          process.execPath,
          [BIN, 'plan', '--config', path.join(workdir, 'vmpilot.yaml'), '--json'],
          {
            timeout: 30000,
          },
        );
        const p = JSON.parse(stdout) as {
          at: string;
          held: unknown[];
          actions: { kind: string; vm: string; from: string; reason: { rule: string; text: string } }[];
        };
        return p.actions.length > 0 ? p : undefined;
      },
      { what: 'a plan with actions', timeoutMs: 60000, intervalMs: 1000 },
    );
    expect(Object.keys(plan)).toEqual(expect.arrayContaining(['at', 'held', 'actions']));
    for (const a of plan.actions) {
      expect(a.reason.rule).toEqual(expect.any(String));
      expect(a.reason.text.length).toBeGreaterThan(0);
      expect(['small', 'big']).toContain(a.from);
    }
  });

  it('migrates a VM off the overloaded host: seen in the events API and in the exporter', async () => {
    const migration = await pollUntil(
      async () => {
        const page = await getJson<EventsPage>(`${api}/api/v1/events?kind=global&limit=1000`);
        return page.events.find((e) => e.action === 'migrate' && e.result === 'completed');
      },
      { what: 'a completed migration in the events API', timeoutMs: 120000, intervalMs: 500 },
    );
    expect(migration.host).toBe('small');
    expect(migration.to).toBe('big');
    expect(migration.phases.map((p) => p.phase)).toEqual(['planned', 'started', 'completed']);
    expect(migration.reason).toEqual(expect.objectContaining({ rule: expect.any(String) }));
    // The simulated cluster itself (read through the exporter) has the VM on its new host.
    const metrics = await getText(`http://127.0.0.1:${ports.exporter}/metrics`);
    const info = metrics
      .split('\n')
      .filter((l) => l.startsWith('vmpilot_domain_info{') && l.includes(`domain="${migration.vm}"`));
    expect(info).toHaveLength(1);
    expect(info[0]).toContain('host="big"');
    // The decision was printed as it happened.
    expect(demo.stdout()).toMatch(new RegExp(`migrate ${migration.vm} small → big {2}completed`));
  });

  it('stops everything on SIGINT, leaving no process behind', async () => {
    process.kill(demo.child.pid as number, 'SIGINT');
    const exit = await within(demo.exited, 45000, null);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toMatch(/stopped: exporter, Prometheus and autoscaler are down/);
    expect(processRunning(`127.0.0.1:${ports.prometheus}`)).toBe(false);
    await expect(fetch(`${api}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${ports.exporter}/metrics`)).rejects.toThrow();
  });
});
