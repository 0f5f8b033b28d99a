// `vmpilot simulate` end to end: the built CLI (bin/vmpilot.js → dist/) on shipped
// scenarios, its SPEC §11 JSON, the --events JSON-lines file, and one-line errors.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/vmpilot.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-sim-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vmpilot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const SPEC_FIELDS = [
  'scenario',
  'mode',
  'throughput_total',
  'response_time_mean_s',
  'response_time_p95_s',
  'sla_violation_vm_minutes',
  'migrations',
  'ping_pongs',
  'migration_time_mean_s',
  'host_cpu_stddev',
];

const ISSUE12_FIELDS = [
  'returns',
  'returns_within_30min',
  'dropped_requests',
  'response_time_p95_request_s',
  'migration_cost_vm_seconds',
  'migrations_declined',
];

describe('vmpilot simulate', () => {
  it('--help explains every added result field', async () => {
    const r = await vmpilot('simulate', '--help');
    expect(r.code).toBe(0);
    for (const f of ISSUE12_FIELDS) expect(r.stdout).toMatch(new RegExp(`^\\s+${f}\\s+\\S`, 'm'));
  });

  it('--json prints one object with the SPEC §11 fields; --events writes TuningEvents as JSON lines', async () => {
    const events = path.join(tmp, 'events.jsonl');
    const r = await vmpilot(
      'simulate',
      '--scenario',
      'seed-experiment-light',
      '--mode',
      'gl',
      '--json',
      '--events',
      events,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]) as Record<string, unknown>;
    for (const f of SPEC_FIELDS) expect(j).toHaveProperty(f);
    expect(j.scenario).toBe('seed-experiment-light');
    expect(j.mode).toBe('gl');
    for (const f of SPEC_FIELDS.slice(2)) expect(typeof j[f]).toBe('number');
    expect(j.throughput_total as number).toBeGreaterThan(0);
    // Issue 12's honest metrics, added after the SPEC fields.
    for (const f of ISSUE12_FIELDS) expect(typeof j[f]).toBe('number');
    expect(j.dropped_requests).toBe(j.dropped_total);
    expect(j.returns_within_30min as number).toBeLessThanOrEqual(j.returns as number);
    expect(j.migration_cost_vm_seconds as number).toBeGreaterThanOrEqual(
      (j.migrations as number) * (j.migration_time_mean_s as number) - 1e-6,
    );
    const evs = readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(evs.length).toBeGreaterThan(0);
    for (const e of evs) {
      for (const k of [
        'id',
        'time',
        'kind',
        'vm',
        'host',
        'action',
        'before',
        'after',
        'result',
        'reason',
        'phases',
      ])
        expect(e).toHaveProperty(k);
      expect(['local', 'global']).toContain(e.kind);
    }
    const migrations = evs.filter((e) => e.action === 'migrate' && e.result === 'completed');
    expect(migrations).toHaveLength(j.migrations as number);
    expect(evs.some((e) => e.kind === 'local')).toBe(true);
  });

  it('--declined writes the moves the planner declined, each with cost ≥ relief in its scores', async () => {
    const file = path.join(tmp, 'declined.jsonl');
    // dirty-batch-web: host-1 is above high but under its capacity, so moves relieve nothing.
    const r = await vmpilot('simulate', '-s', 'dirty-batch-web', '-m', 'gl', '--json', '--declined', file);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, number>;
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { vm: string; reason: { rule: string; scores: Record<string, number> } });
    expect(rows.length).toBe(j.migrations_declined);
    expect(rows.length).toBeGreaterThan(0);
    for (const d of rows) {
      expect(d.reason.rule).toBe('global.hotspot.declined');
      expect(d.reason.scores.costVmSeconds).toBeGreaterThanOrEqual(d.reason.scores.reliefVmSeconds);
    }
  });

  it('prints a human summary with per-VM lines; --seed changes the random traces', async () => {
    const a = await vmpilot('simulate', '-s', 'seed-experiment', '-m', 'nontuning');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/throughput total\s+\d+\.\d responses\/s/);
    expect(a.stdout).toMatch(/SLA violations\s+\d+\.\d VM-minutes/);
    expect(a.stdout).toMatch(/web-18 .* slow-3/);
    const s1 = JSON.parse(
      (await vmpilot('simulate', '-s', 'seed-experiment', '-m', 'nontuning', '--json')).stdout,
    );
    const s2 = JSON.parse(
      (await vmpilot('simulate', '-s', 'seed-experiment', '-m', 'nontuning', '--json', '--seed', '5')).stdout,
    );
    expect(s2.seed).toBe(5);
    expect(s2.requests_total).not.toBe(s1.requests_total);
  });

  it('bad input ends with one line on stderr naming the problem', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(
      bad,
      'name: b\ndurationSeconds: 60\nhosts: [{ name: h, cpus: two, memory: 1GiB }]\nvms: []\n',
    );
    const cases: [string[], RegExp][] = [
      [['-s', 'seed-experiment', '-m', 'fastest'], /unknown mode "fastest"/],
      [['-s', 'no-such', '-m', 'gl'], /unknown scenario "no-such"/],
      [
        ['-s', bad, '-m', 'gl'],
        new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: hosts\\[0\\]\\.cpus`),
      ],
      [['-s', 'seed-experiment', '-m', 'gl', '--seed', 'x'], /--seed must be an integer/],
      [['-s', 'seed-experiment', '-m', 'gl,fastest'], /unknown mode "fastest"/],
      [['-s', 'seed-experiment', '-m', 'gl,local,gl'], /mode "gl" given twice/],
      [
        ['-s', 'seed-experiment', '-m', 'gl,local', '--events', 'x.jsonl'],
        /--events and --declined take one --mode/,
      ],
      [
        ['-s', 'seed-experiment', '-m', 'gl', '--report', path.join(tmp, 'no-dir', 'r.html')],
        /cannot write report file/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = await vmpilot('simulate', ...args);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
