// What `vmpilot demo` prints, on the real demo (simulated hotspot cluster → exporter → a
// real Prometheus → autoscaler): by default a summary line per global round and the
// migrations with their phases, never a line per local action (though local actions
// happen: the summary lines and the closing count say so); with --verbose every action too.
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BIN,
  ensureBuilt,
  freePort,
  killPrometheusOnPort,
  requirePrometheus,
  spawnVmpilot,
  within,
} from './helpers';
import { GiveUp, pollUntil } from '../helpers/poll';

const run = promisify(execFile);
const SCENARIO = path.join(__dirname, 'fixtures', 'hotspot.yaml');
jest.setTimeout(300_000);

beforeAll(() => {
  ensureBuilt();
  return requirePrometheus();
});

const T = String.raw`\d\d:\d\d:\d\d`;
const ROUND = new RegExp(
  `^${T} {2}round (\\d+) +local \\d+ round\\(s\\): (no action|\\d+ action\\(s\\) \\(.+\\) .+) · global \\d+ round\\(s\\): .+ · \\d+ migrating( · \\d+ host\\(s\\) held)?$`,
);
const MIGRATION_DONE = new RegExp(
  `^${T} {2}global {2}migrate \\S+ small → big {2}completed in [\\d.]+ s, downtime \\d+ ms {2}\\[planned → started \\+[\\d.]+ s → completed \\+[\\d.]+ s\\]$`,
);
const LOCAL_ACTION = new RegExp(`^${T} {2}local {3}set_\\w+ \\S+ on \\S+ \\{.*\\} {2}(started|completed)`);
const LOCAL_ACTED = / local \d+ round\(s\): [1-9]\d* action\(s\)/;

/** Runs the demo until `done(lines)` holds, stops it with SIGINT, returns its decision lines and stdout. */
async function demoUntil(extra: string[], done: (lines: string[]) => boolean) {
  const ports = { exporter: await freePort(), api: await freePort(), prometheus: await freePort() };
  const demo = spawnVmpilot([
    'demo',
    '--scenario',
    SCENARIO,
    '--speed',
    '10',
    '--t2',
    '10',
    '--exporter-port',
    String(ports.exporter),
    '--api-port',
    String(ports.api),
    '--prometheus-port',
    String(ports.prometheus),
    '--duration',
    '240',
    ...extra,
  ]);
  const decisions = () => {
    const out = demo.stdout().split('\n');
    const from = out.indexOf('decisions:');
    return from < 0 ? [] : out.slice(from + 1).filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l));
  };
  try {
    await pollUntil(
      () => {
        if (demo.child.exitCode !== null) throw new GiveUp(`demo exited: ${demo.stderr()}`);
        return done(decisions());
      },
      { what: `the demo's output (${extra.join(' ') || 'default'})`, timeoutMs: 180_000, intervalMs: 500 },
    );
    process.kill(demo.child.pid as number, 'SIGINT');
    expect(await within(demo.exited, 45_000, null)).toEqual({ code: 0, signal: null });
    return { lines: decisions(), stdout: demo.stdout() };
  } finally {
    if (demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.kill('SIGKILL');
      await demo.exited;
    }
    killPrometheusOnPort(ports.prometheus);
  }
}

describe('vmpilot demo output', () => {
  it('--help names --verbose', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'demo', '--help'], { timeout: 30_000 });
    expect(stdout).toMatch(/--verbose\s+print every action/);
  });

  it('default: a summary line per global round and migrations with phases; no line per local action', async () => {
    const { lines, stdout } = await demoUntil(
      [],
      (ls) => ls.some((l) => MIGRATION_DONE.test(l)) && ls.some((l) => ROUND.test(l) && LOCAL_ACTED.test(l)),
    );
    expect(lines.filter((l) => LOCAL_ACTION.test(l))).toEqual([]);
    // Every decision line is a summary, a held-hosts change or a migration step.
    const other = lines.filter(
      (l) => !ROUND.test(l) && !new RegExp(`^${T} {2}(held {4}|global {2}migrate )`).test(l),
    );
    expect(other).toEqual([]);
    // Summary lines are numbered 1, 2, 3, … in order.
    const numbers = lines.flatMap((l) => {
      const m = ROUND.exec(l);
      return m ? [Number(m[1])] : [];
    });
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    // Local actions did happen: the closing count has them.
    expect(stdout).toMatch(/, [1-9]\d* local action\(s\) completed/);
  });

  it('--verbose: every local action as well, beside the summary lines and migrations', async () => {
    const { lines, stdout } = await demoUntil(
      ['--verbose'],
      (ls) =>
        ls.some((l) => MIGRATION_DONE.test(l)) &&
        ls.some((l) => LOCAL_ACTION.test(l) && l.includes('completed')) &&
        ls.some((l) => ROUND.test(l)),
    );
    // Every local action the journal completed was printed.
    const journalled = Number(/, (\d+) local action\(s\) completed/.exec(stdout)?.[1]);
    expect(journalled).toBeGreaterThan(0);
    const printed = lines.filter((l) => LOCAL_ACTION.test(l) && / {2}completed$/.test(l)).length;
    expect(printed).toBeGreaterThanOrEqual(journalled);
  });
});
