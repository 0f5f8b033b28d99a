// Hold on stale data: with a real Prometheus behind `vmpilot autoscaler`, stopping
// Prometheus mid-run makes every round hold (no action; the reason in the log and in
// /metrics); starting it again lets rounds resume by themselves.
import { getText, sampleSum, waitFor, requirePrometheus } from './helpers';
import { journalLines, startPrometheusFor, useServiceWithPrometheus } from './service-setup';

jest.setTimeout(300_000); // real processes: Prometheus, the CLI, simulated migrations

beforeAll(requirePrometheus);

describe('autoscaler holds while Prometheus is down and resumes by itself', () => {
  const rig = useServiceWithPrometheus('hold');

  const metrics = () => getText(`${rig.setup.api}/metrics`);

  it('acts while data is fresh, holds with a reason while Prometheus is down, resumes after', async () => {
    await waitFor(
      'an ok round',
      async () => sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' }) > 0,
      60000,
    );

    // While data is fresh the service acts (shares/balloons on the overloaded host).
    await waitFor('an action journalled', () => journalLines(rig.setup.journal).length > 0, 30000);

    await rig.prometheus?.stop();
    rig.prometheus = undefined;
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
    const late = journalLines(rig.setup.journal).filter((e) => Date.parse(e.time) > stoppedAt + 6000);
    expect(late).toEqual([]);
    expect(rig.service?.stderr()).toMatch(
      /"reason":"metrics source: Prometheus at http:\/\/127\.0\.0\.1:\d+: query \w+/,
    );
    expect(rig.service?.stderr()).toMatch(/"msg":"host held"/);

    rig.prometheus = await startPrometheusFor(rig.setup, rig.workdir);
    await waitFor(
      'rounds to resume',
      async () => sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' }) > okBefore,
      60000,
    );
    expect(sampleSum(await metrics(), 'vmpilot_autoscaler_held_hosts', { reason: 'source_down' })).toBe(0);
  });
});
