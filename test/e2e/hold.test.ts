// Hold on stale data: with a real Prometheus behind `vmpilot autoscaler`, stopping
// Prometheus mid-run makes every round hold (no action; the reason in the log and in
// /metrics); starting it again lets rounds resume by themselves.
import { getText, sampleSum, requirePrometheus } from './helpers';
import { journalLines, startPrometheusFor, useServiceWithPrometheus } from './service-setup';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(300_000); // real processes: Prometheus, the CLI, simulated migrations

beforeAll(requirePrometheus);

describe('autoscaler holds while Prometheus is down and resumes by itself', () => {
  const rig = useServiceWithPrometheus('hold');

  const metrics = () => getText(`${rig.setup.api}/metrics`);

  it('acts while data is fresh, holds with a reason while Prometheus is down, resumes after', async () => {
    await pollUntil(
      async () => sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' }) > 0,
      { what: 'an ok round', timeoutMs: 60000 },
    );

    // While data is fresh the service acts (shares/balloons on the overloaded host).
    await pollUntil(() => journalLines(rig.setup.journal).length > 0, {
      what: 'an action journalled',
      timeoutMs: 30000,
    });

    await rig.prometheus?.stop();
    rig.prometheus = undefined;
    await pollUntil(
      async () =>
        sampleSum(await metrics(), 'vmpilot_autoscaler_held_hosts', { reason: 'source_down' }) === 2,
      { what: 'hosts held because the metrics source is down', timeoutMs: 20000 },
    );
    const heldSeenAt = Date.now();
    const before = await metrics();
    const okBefore = sampleSum(before, 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' });
    const heldBefore = sampleSum(before, 'vmpilot_autoscaler_rounds_total', { outcome: 'held' });
    // Several more T2 rounds while Prometheus is down: every one holds, none is ok.
    const m = await pollUntil(
      async () => {
        const text = await metrics();
        return (
          sampleSum(text, 'vmpilot_autoscaler_rounds_total', { outcome: 'held' }) >= heldBefore + 3 && text
        );
      },
      { what: 'three more held rounds while Prometheus is down', timeoutMs: 30000 },
    );
    expect(sampleSum(m, 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' })).toBe(okBefore);
    // No decision was taken after the first held round: nothing journalled since then
    // starts a new action (an action begun before Prometheus stopped may still close).
    const lines = journalLines(rig.setup.journal);
    const earlier = new Set(lines.filter((e) => Date.parse(e.time) <= heldSeenAt).map((e) => e.id));
    const late = lines.filter((e) => Date.parse(e.time) > heldSeenAt && !earlier.has(e.id));
    expect(late).toEqual([]);
    expect(rig.service?.stderr()).toMatch(
      /"reason":"metrics source: Prometheus at http:\/\/127\.0\.0\.1:\d+: query \w+/,
    );
    expect(rig.service?.stderr()).toMatch(/"msg":"host held"/);

    rig.prometheus = await startPrometheusFor(rig.setup, rig.workdir);
    await pollUntil(
      async () => sampleSum(await metrics(), 'vmpilot_autoscaler_rounds_total', { outcome: 'ok' }) > okBefore,
      { what: 'rounds to resume', timeoutMs: 60000 },
    );
    expect(sampleSum(await metrics(), 'vmpilot_autoscaler_held_hosts', { reason: 'source_down' })).toBe(0);
  });
});
