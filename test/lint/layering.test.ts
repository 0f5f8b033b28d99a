// The layering rules (eslint/layering.mjs, README.md "Layering") report each kind of
// violation in fixtures/broken/ and nothing in fixtures/clean/. ESLint runs in its own
// process, as `npm run lint` does: its config is an ES module, which jest's CommonJS
// runtime cannot load.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const ESLINT = path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
  line: number;
}
interface LintResult {
  filePath: string;
  messages: LintMessage[];
}

/** Lints the fixtures with their config; returns the messages by path relative to fixtures/. */
async function lintFixtures(): Promise<Map<string, LintMessage[]>> {
  const args = [ESLINT, '--config', path.join(FIXTURES, 'eslint.config.mjs'), '--format', 'json', FIXTURES];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 16 << 20 }));
  } catch (e) {
    // Exit code 1 means "problems found" and the report is on stdout; anything else is a crash.
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (err.code !== 1 || !err.stdout)
      throw new Error(`eslint failed (exit ${err.code}): ${err.stderr}`, { cause: e });
    stdout = err.stdout;
  }
  const results = JSON.parse(stdout) as LintResult[];
  return new Map(results.map((r) => [path.relative(FIXTURES, r.filePath), r.messages]));
}

/** Every .ts file under `dir`, relative to fixtures/. */
function tsFiles(dir: string): string[] {
  return readdirSync(path.join(FIXTURES, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** What each file of broken/ must report: [rule, part of the message]; other files report nothing. */
const EXPECTED: Record<string, [string, string][]> = {
  'broken/core/sim/engine.ts': [['import-x/no-restricted-paths', 'core/ imports nothing from autoscaler/']],
  'broken/autoscaler/decision/plan.ts': [
    ['import-x/no-restricted-paths', 'autoscaler/decision/ imports only core/model/'],
  ],
  'broken/autoscaler/decision/host.ts': [
    ['no-restricted-imports', 'autoscaler/decision/ imports only core/model/'],
  ],
  'broken/exporter/server.ts': [
    ['import-x/no-restricted-paths', 'exporter/ imports nothing from autoscaler/'],
  ],
  'broken/lab/bench.ts': [['import-x/no-restricted-paths', 'lab/ imports only core/']],
  'broken/exporter/a.ts': [['import-x/no-cycle', 'cycle']],
  'broken/exporter/b.ts': [['import-x/no-cycle', 'cycle']],
  'broken/core/hypervisor/connect.ts': [['layering/no-type-import-cycle', 'connect.ts → ']],
  'broken/core/hypervisor/sim-adapter.ts': [['layering/no-type-import-cycle', 'sim-adapter.ts → ']],
};

describe('layering lint rules', () => {
  let byFile: Map<string, LintMessage[]>;

  beforeAll(async () => {
    byFile = await lintFixtures();
  });

  it('lints every fixture file', () => {
    const linted = [...byFile.keys()].filter((f) => f.endsWith('.ts'));
    expect(linted.sort()).toEqual([...tsFiles('clean'), ...tsFiles('broken')].sort());
  });

  it('reports nothing on the clean tree', () => {
    const clean = tsFiles('clean');
    expect(clean.length).toBeGreaterThanOrEqual(8);
    for (const f of clean) expect({ file: f, messages: byFile.get(f) }).toEqual({ file: f, messages: [] });
  });

  it.each(Object.entries(EXPECTED))('reports %s', (file, expected) => {
    const got = (byFile.get(file) ?? []).map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
    expect(got).toHaveLength(expected.length);
    expected.forEach(([rule, text], i) => {
      expect(got[i]).toMatchObject({ rule, line: 2, message: expect.stringContaining(text) });
    });
  });

  it('reports nothing else in the broken tree', () => {
    const others = tsFiles('broken').filter((f) => !(f in EXPECTED));
    expect(others).toEqual(['broken/autoscaler/service/loop.ts', 'broken/core/model/vm.ts']);
    for (const f of others) expect({ file: f, messages: byFile.get(f) }).toEqual({ file: f, messages: [] });
  });
});
