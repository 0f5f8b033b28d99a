// Issue 13 item 4 in the simulator, through the production path (AutoscalerService, its
// failover and the applier on the simulated cluster): when host-2 fails, each of its VMs is
// restarted exactly once on another host of its shared-storage group, in priority order,
// within the detection window (failover.n × T2) plus one T1 of the failure; nothing is
// restarted when no shared storage is declared; nothing is started again when host-2
// comes back with its stale copies.
import { validateConfig } from '../../autoscaler/config/load';
import { runSimulation, SIM_EPOCH_MS } from '../../autoscaler/simulate/runner';
import { loadScenario } from '../../core/sim/loader';
import type { Scenario } from '../../core/sim/scenario';

const FAILED = 'host-2';

function scenario(shared: boolean): Scenario {
  const s = loadScenario('host-failure');
  return {
    ...s,
    sharedStorage: shared ? [{ name: 'shared', hosts: s.hosts.map((h) => h.name) }] : [],
  };
}

describe('host-failure: restarts in the simulator', () => {
  it('restarts each VM of the failed host once, in priority order, within detection + T1', async () => {
    const s = scenario(true);
    const failure = s.hostFailures.find((f) => f.host === FAILED)!;
    const { result, events } = await runSimulation(s, 'gl');
    const restarts = events.filter((e) => e.action === 'restart');
    const victims = s.vms.filter((v) => v.host === FAILED).map((v) => v.name);
    const completed = restarts.filter((e) => e.result === 'completed');
    // Exactly once per VM of the failed host, and nothing else restarted or failed.
    expect(completed.map((e) => e.vm).sort()).toEqual([...victims].sort());
    expect(restarts.filter((e) => e.result !== 'completed' && e.result !== 'started')).toEqual([]);
    for (const e of completed) {
      expect(e.host).toBe(FAILED);
      expect(e.to).not.toBe(FAILED);
      expect(e.after).toMatchObject({ host: e.to, verified: true });
    }
    // Priority order: critical before high before low.
    const rank = (vm: string) =>
      ['critical', 'high', 'normal', 'low', 'best-effort'].indexOf(
        s.vms.find((v) => v.name === vm)!.priority!.class,
      );
    const order = completed.map((e) => rank(e.vm));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Serving again within the detection window plus one T1 of the failure.
    const failedAtMs = SIM_EPOCH_MS + failure.atSeconds * 1000;
    const bound = (3 * 20 + 120) * 1000; // failover.n × T2 + T1 with the defaults
    for (const e of completed) expect(Date.parse(e.time) - failedAtMs).toBeLessThanOrEqual(bound);
    // At the end each restarted VM runs on a live host, not on the failed one.
    for (const vm of victims) expect(result.vms.find((v) => v.vm === vm)?.hostEnd).not.toBe(FAILED);
  });

  it('a configured priority (planner.priorities) overrides the one the domain carries', async () => {
    const s = scenario(true);
    const config = validateConfig(
      {
        hypervisors: [`sim://${s.name}`],
        planner: { priorities: [{ vm: 'job-2', class: 'critical', weight: 10 }] },
        failover: { sharedStorage: s.sharedStorage },
      },
      'test',
    );
    const { events } = await runSimulation(s, 'gl', { config });
    const order = events.filter((e) => e.action === 'restart' && e.result === 'completed').map((e) => e.vm);
    expect(order).toEqual(['job-2', 'db-2', 'web-2']);
  });

  it('restarts nothing without a declared shared-storage group', async () => {
    const { events } = await runSimulation(scenario(false), 'gl');
    expect(events.filter((e) => e.action === 'restart')).toEqual([]);
  });
});
