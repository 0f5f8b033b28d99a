// Hold on stale data: with a real Prometheus behind `vmpilot autoscaler`, stopping
// Prometheus mid-run makes every round hold (no action; the reason in the log and in
// /metrics); starting it again lets rounds resume by themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningPrometheus } from '../../core/procs/prometheus';
import { ensureBuilt, getText, sampleSum, waitFor, type Spawned, requirePrometheus } from './helpers';
import {
  journalLines,
  startPrometheusFor,
  startService,
  stopService,
  writeServiceConfig,
  type ServiceSetup,
} from './service-setup';

jest.setTimeout(300_000); // real processes: Prometheus, the CLI, simulated migrations

beforeAll(requirePrometheus);

describe('autoscaler holds while Prometheus is down and resumes by itself', () => {
  let workdir: string;
  let setup: ServiceSetup;
  let prometheus: RunningPrometheus | undefined;
  let service: Spawned | undefined;

  beforeAll(async () => {
    ensureBuilt();
    workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-e2e-hold-'));
    setup = await writeServiceConfig(workdir);
    service = await startService(setup);
    prometheus = await startPrometheusFor(setup, workdir);
  });

  afterAll(async () => {
    await stopService(service);
    await prometheus?.stop();
    rmSync(workdir, { recursive: true, force: true });
  });

  const metrics = () => getText(`${setup.api}/metrics`);

  it('acts while data is fresh, holds with a reason while Prometheus is down, resumes after', async () => {
    await waitFor(
      'an ok round',
      async () => sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' }) > 0,
      60000,
    );

    // While data is fresh the service acts (shares/balloons on the overloaded host).
    await waitFor('an action journalled', () => journalLines(setup.journal).length > 0, 30000);

    await prometheus?.stop();
    prometheus = undefined;
    const stoppedAt = Date.now();
    await waitFor(
      'hosts held because the metrics source is down',
      async () =>
        sampleSum(await metrics(), 'vmpilot_autoscaler_held_hosts', { reason: 'source_down' }) === 2,
      20000,
    );
    const okBefore = sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' });
    await new Promise((r) => setTimeout(r, 4000)); // several T2 rounds while Prometheus is down
    const m = await metrics();
    expect(sampleSum(m, 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' })).toBe(okBefore);
    expect(sampleSum(m, 'vmpilot_autoscaler_rounds_total', { outcome: 'held' })).toBeGreaterThan(2);
    // No decision was taken after the first held round (a round already past its
    // observation when Prometheus stopped may still finish its actions).
    const late = journalLines(setup.journal).filter((e) => Date.parse(e.time) > stoppedAt + 6000);
    expect(late).toEqual([]);
    expect(service?.stderr()).toMatch(
      /"reason":"metrics source: Prometheus at http:\/\/127\.0\.0\.1:\d+: query \w+/,
    );
    expect(service?.stderr()).toMatch(/"msg":"host held"/);

    prometheus = await startPrometheusFor(setup, workdir);
    await waitFor(
      'rounds to resume',
      async () => sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' }) > okBefore,
      60000,
    );
    expect(sampleSum(await metrics(), 'vmpilot_autoscaler_held_hosts', { reason: 'source_down' })).toBe(0);
  });
});
