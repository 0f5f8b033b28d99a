// Crash safety: SIGKILL `vmpilot autoscaler` between "migration started" and "completed",
// restart it, and the journal holds exactly one event for that migration, closed with the
// true outcome (checked against the cluster through the exporter), never repeated.
//
// The simulated cluster lives inside the autoscaler process, so the kill ends the
// migration too and the restarted simulator starts from the scenario again: the true
// outcome is "failed, VM still on the source". With libvirt the job would go on without
// the autoscaler and reconciliation would find the VM on the destination (unit-tested in
// autoscaler/journal/reconcile.test.ts).
import type { TuningEvent } from '../../core/model/event';
import { getJson, getText, requirePrometheus, sampleSum } from './helpers';
import { journalLines, startService, useServiceWithPrometheus } from './service-setup';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(300_000); // real processes: Prometheus, the CLI, simulated migrations

beforeAll(requirePrometheus);

describe('autoscaler killed during a migration', () => {
  const rig = useServiceWithPrometheus('crash');

  it('reconciles the interrupted migration on restart: one event, closed, not repeated', async () => {
    const started = await pollUntil(
      () => journalLines(rig.setup.journal).find((e) => e.action === 'migrate' && e.result === 'started'),
      { what: 'a migration journalled as started', timeoutMs: 90000, intervalMs: 50 },
    );
    rig.service?.kill('SIGKILL');
    await rig.service?.exited;
    const atKill = journalLines(rig.setup.journal).filter((e) => e.id === started.id);
    expect(atKill.map((e) => e.result)).toEqual(['started']); // killed before it completed

    rig.service = await startService(rig.setup);
    const page = await getJson<{ events: (TuningEvent & { error?: string })[] }>(
      `${rig.setup.api}/api/v1/events?limit=1000`,
    );
    const closed = page.events.find((e) => e.id === started.id);
    expect(closed?.result).toBe('failed');
    expect(closed?.error).toMatch(/reconciled at start-up: .* still on small/);
    expect(closed?.phases.map((p) => p.phase)).toEqual(['planned', 'started', 'failed']);
    expect(rig.service.stderr()).toMatch(/reconciled at start-up/);

    // The true outcome: the restarted cluster (read through the exporter) has the VM on the source.
    const metrics = await pollUntil(() => getText(`http://127.0.0.1:${rig.setup.ports.exporter}/metrics`), {
      what: 'the exporter',
      timeoutMs: 10000,
    });
    const info = metrics
      .split('\n')
      .filter((l) => l.startsWith('vmpilot_domain_info{') && l.includes(`domain="${started.vm}"`));
    expect(info).toHaveLength(1);
    expect(info[0]).toContain(`host="${started.host}"`);

    // Rounds go on; the interrupted move is not started again blindly.
    const rounds = async () =>
      sampleSum(await getText(`${rig.setup.api}/metrics`), 'vmpilot_autoscaler_rounds_total', {});
    const roundsBefore = await rounds();
    await pollUntil(async () => (await rounds()) >= roundsBefore + 3, {
      what: 'three more planning rounds after the restart',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const lines = journalLines(rig.setup.journal);
    expect(lines.filter((e) => e.id === started.id).map((e) => e.result)).toEqual(['started', 'failed']);
    const sameVm = new Set(
      lines.filter((e) => e.action === 'migrate' && e.vm === started.vm).map((e) => e.id),
    );
    expect([...sameVm]).toEqual([started.id]);
  });

  it('on SIGTERM during a migration closes it in the journal and exits cleanly', async () => {
    // The small host is still overloaded: the restarted service moves another VM.
    const next = await pollUntil(
      () => {
        const lines = journalLines(rig.setup.journal);
        const closed = new Set(lines.filter((e) => e.result !== 'started').map((e) => e.id));
        return lines.find((e) => e.action === 'migrate' && e.result === 'started' && !closed.has(e.id));
      },
      { what: 'another migration journalled as started', timeoutMs: 90000, intervalMs: 50 },
    );
    rig.service?.kill('SIGTERM'); // --grace 5: a ~10 s migration cannot finish, so it is abandoned
    expect(await rig.service?.exited).toEqual({ code: 0, signal: null });
    const states = journalLines(rig.setup.journal).filter((e) => e.id === next.id);
    const last = states[states.length - 1] as TuningEvent & { error?: string };
    expect(['completed', 'failed']).toContain(last.result);
    if (last.result === 'failed') expect(last.error).toMatch(/abandoned at shutdown/);
    // Nothing is left in flight for the next start to guess about.
    const finalState = new Map(journalLines(rig.setup.journal).map((e) => [e.id, e.result]));
    expect([...finalState.values()].filter((r) => r === 'started' || r === 'planned')).toEqual([]);
  });
});
