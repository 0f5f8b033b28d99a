// The demo's terminal output: compact (a line per T1, migrations with their phases, no
// local action lines) and --verbose (every action too). Events and round reports in the
// shapes the service hands the demo; the real demo's output is checked in
// test/e2e/demo-output.test.ts.
import type { TuningEvent } from '../../core/model/event';
import type { MigrateAction } from '../../core/model/plan';
import type { RoundReport } from '../service/service';
import { DemoPrinter, heldSummary, phasesText } from './printer';

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const reason = { rule: 'global.hotspot', text: 'small overloaded' };

function migration(
  result: TuningEvent['result'],
  phases: [TuningEvent['phases'][number]['phase'], number][],
) {
  return {
    id: 'm1',
    time: iso(0),
    kind: 'global',
    vm: 'web-1',
    host: 'small',
    to: 'big',
    action: 'migrate',
    before: null,
    after: null,
    result,
    reason,
    phases: phases.map(([phase, s]) => ({
      phase,
      time: iso(s),
      ...(phase === 'completed' ? { durationSeconds: s, downtimeMs: 40 } : {}),
    })),
  } satisfies TuningEvent;
}

function shares(vm: string, result: TuningEvent['result']): TuningEvent {
  return {
    id: `s-${vm}`,
    time: iso(1),
    kind: 'local',
    vm,
    host: 'big',
    action: 'set_cpu_shares',
    before: null,
    after: null,
    params: { shares: 700 },
    result,
    reason: { rule: 'local.shares.points', text: 'shares ∝ points' },
    phases: [],
  };
}

const move: MigrateAction = { kind: 'migrate', vm: 'web-1', from: 'small', to: 'big', params: {}, reason };

function round(
  loop: RoundReport['loop'],
  events: TuningEvent[] = [],
  plan: Partial<RoundReport['plan']> = {},
): RoundReport {
  return {
    loop,
    at: T0,
    outcome: 'ok',
    plan: { at: T0, held: [], actions: [], ...plan },
    events,
    durationSeconds: 0.01,
  };
}

function printer(verbose: boolean) {
  const lines: string[] = [];
  const p = new DemoPrinter((l) => lines.push(l), {
    verbose,
    localRoundsPerLine: 6,
    now: () => new Date(T0),
  });
  return { p, lines };
}

/** One T1 period: a global round that starts a migration, six local rounds tuning shares, the migration ending. */
function period(p: DemoPrinter) {
  p.onEvent(migration('planned', [['planned', 0]]));
  p.onEvent(
    migration('started', [
      ['planned', 0],
      ['started', 0.1],
    ]),
  );
  // A background migration's events come after its round: the round's plan has it.
  p.onRound(round('global', [], { actions: [move], declined: [{ ...move, to: 'other' }] }));
  for (let i = 0; i < 6; i++) {
    const evs = [shares('web-2', 'completed'), shares('web-3', 'completed')];
    for (const e of evs) {
      p.onEvent({ ...e, result: 'started' });
      p.onEvent(e);
    }
    p.onRound(round('local', evs));
  }
  p.onEvent(
    migration('completed', [
      ['planned', 0],
      ['started', 0.1],
      ['completed', 10.5],
    ]),
  );
  p.onRound(round('global'));
}

describe('DemoPrinter', () => {
  it('compact: a summary line per global round, migrations as they start and end with their phases, no local lines', () => {
    const { p, lines } = printer(false);
    period(p);
    expect(lines).toEqual([
      '08:00:00  global  migrate web-1 small → big  started  — [global.hotspot] small overloaded',
      '08:00:00  round 1   local 0 round(s): no action · global 1 round(s): 1 move(s) planned, 1 declined · 1 migrating',
      '08:00:00  global  migrate web-1 small → big  completed in 10.5 s, downtime 40 ms  [planned → started +0.1 s → completed +10.5 s]',
      '08:00:00  round 2   local 6 round(s): 12 action(s) (12 set_cpu_shares) 12 completed · global 1 round(s): no move · 0 migrating',
    ]);
  });

  it('--verbose: every action as well, the planned step of a migration included', () => {
    const { p, lines } = printer(true);
    period(p);
    const local = lines.filter((l) => /^\d\d:\d\d:\d\d {2}local {3}set_cpu_shares /.test(l));
    expect(local).toHaveLength(24); // 12 actions, started and completed each
    expect(local[0]).toBe(
      '08:00:00  local   set_cpu_shares web-2 on big {"shares":700}  started  — [local.shares.points] shares ∝ points',
    );
    expect(lines.filter((l) => l.includes('migrate web-1')).map((l) => l.split('  ')[3])).toEqual([
      'planned',
      'started',
      'completed in 10.5 s, downtime 40 ms',
    ]);
    expect(lines.filter((l) => / round \d+ /.test(l))).toHaveLength(2);
  });

  it('closes a period after T1/T2 local rounds when no global round comes', () => {
    const { p, lines } = printer(false);
    for (let i = 0; i < 14; i++) p.onRound(round('local'));
    expect(lines.filter((l) => / round \d+ /.test(l))).toEqual([
      '08:00:00  round 1   local 7 round(s): no action · global 0 round(s): no move · 0 migrating',
      '08:00:00  round 2   local 7 round(s): no action · global 0 round(s): no move · 0 migrating',
    ]);
  });

  it('compact: held hosts grouped by the kind of reason, printed when that changes (not every new number)', () => {
    const { p, lines } = printer(false);
    const implausible = (n: number) => ({
      actions: [],
      held: ['slow-2', 'slow-1'].map((host) => ({
        host,
        code: 'implausible_metrics' as const,
        reason: `implausible metrics: host usage cpu = ${n} (above 2 cores × 1.05 = 2.1)`,
      })),
    });
    p.onRound(round('local', [], implausible(2.5)));
    p.onRound(round('local', [], implausible(2.2)));
    p.onRound(round('local'));
    expect(lines).toEqual([
      '08:00:00  held    slow-1, slow-2: implausible metrics',
      '08:00:00  held    none: every host has fresh data',
    ]);
    expect(
      heldSummary([
        { host: 'a', code: 'no_data', reason: 'no data in Prometheus for this host' },
        { host: 'b', code: 'partial', reason: 'partial data: no CPU samples for x on b' },
      ]),
    ).toBe('a: no data in Prometheus for this host; b: partial data');
    // --verbose keeps the full reasons.
    const v = printer(true);
    v.p.onRound(round('local', [], implausible(2.5)));
    v.p.onRound(round('local', [], implausible(2.2)));
    expect(v.lines).toHaveLength(2);
  });

  it('phasesText: each phase with its time since the first', () => {
    expect(
      phasesText(
        migration('failed', [
          ['planned', 0],
          ['started', 1],
          ['failed', 3.25],
        ]),
      ),
    ).toBe('planned → started +1.0 s → failed +3.3 s');
  });
});
