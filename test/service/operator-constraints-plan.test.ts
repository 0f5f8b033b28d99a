// Issue 14 item 5 through the service's round (what `vmpilot plan` and GET /api/v1/plan
// return): the metrics carry no metadata, as Prometheus' do not; the hypervisor port does
// (the domain's vmpilot metadata — here a scenario VM's `exclude`/`pinnedHosts`), and the
// read-back hands it to the planner. The plan says what was left alone and why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { validateConfig } from '../../autoscaler/config/load';
import { MemoryEventLog } from '../../autoscaler/journal/event-log';
import { ServiceMetrics } from '../../autoscaler/service/metrics';
import { AutoscalerService } from '../../autoscaler/service/service';
import { MemorySource } from '../../autoscaler/sources/memory';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { openSim } from '../../core/sim/adapter';
import { loadScenario } from '../../core/sim/loader';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** What Prometheus would say: no metadata. */
function withoutMetadata(truth: ClusterSnapshot): ClusterSnapshot {
  const s = structuredClone(truth);
  for (const v of s.vms) {
    delete v.exclude;
    delete v.pinnedHosts;
  }
  return s;
}

it('the plan names the excluded VM, the pinned VM goes only into its set, and a closed window is stated', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-constraints-plan-'));
  const scenario = structuredClone(loadScenario('evacuation')) as unknown as {
    vms: Record<string, unknown>[];
  };
  for (const v of scenario.vms) {
    if (v.name === 'db-1') v.exclude = true;
    if (v.name === 'web-e1') v.pinnedHosts = ['host-3'];
  }
  const file = path.join(dir, 'evacuation-constrained.yaml');
  writeFileSync(file, stringify(scenario));
  let now = T0;
  const sim = await openSim(`sim://${file}`, { clock: () => now });
  try {
    now += 120_000;
    const truth = await sim.snapshot();
    expect(truth.vms.find((v) => v.name === 'db-1')?.exclude).toBe(true);
    const round = (planner: object) =>
      new AutoscalerService({
        config: validateConfig(
          { hypervisors: [`sim://${file}`], planner: { maxMigrationsPerRound: 5, ...planner } },
          'test',
          dir,
        ),
        port: sim,
        source: new MemorySource(() => withoutMetadata(truth)),
        journal: new MemoryEventLog(),
        metrics: new ServiceMetrics({ processMetrics: false }),
        log: pino({ level: 'silent' }),
      }).planRound('both', now);

    const { plan } = await round({});
    expect(plan.heldVms).toContainEqual({
      vm: 'db-1',
      host: 'host-4',
      code: 'excluded',
      reason: expect.stringMatching(/excluded by operator \(the domain's vmpilot metadata\)/),
    });
    const moves = plan.actions.filter((a) => a.kind === 'migrate');
    expect(moves.length).toBeGreaterThan(0); // host-4 is evacuated…
    expect(plan.actions.filter((a) => a.vm === 'db-1')).toEqual([]); // …but not db-1
    for (const a of moves.filter((x) => x.vm === 'web-e1')) expect(a.to).toBe('host-3');

    const closed = await round({ migrationWindows: { cron: ['* 0-5 * * *'] } });
    expect(closed.plan.actions.filter((a) => a.kind === 'migrate')).toEqual([]);
    expect(closed.plan.actions.length).toBeGreaterThan(0); // local tuning goes on
    expect(closed.plan.migrationHold?.reason).toMatch(/outside the migration windows/);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
