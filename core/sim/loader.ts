// Finds, reads and validates scenario files. `sim://NAME` names a shipped scenario
// (core/sim/scenarios/NAME.yaml); `sim:///abs/file.yaml` and `sim://./rel.yaml` name files;
// the CLI also accepts a bare NAME or path. Every failure is one ScenarioError that names
// the file and, for schema errors, the field (e.g. `vms[3].demand.requests`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { scenarioSchema, type Scenario } from './scenario';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    readonly kind: 'not_found' | 'invalid',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Directory of the shipped scenarios, from the sources or from the compiled dist/ tree. */
export function shippedScenarioDir(): string {
  const candidates = [
    path.join(__dirname, 'scenarios'),
    path.join(__dirname, '..', '..', '..', 'core', 'sim', 'scenarios'),
  ];
  return candidates.find((d) => existsSync(path.join(d, 'seed-experiment.yaml'))) ?? candidates[0];
}

export function shippedScenarioNames(): string[] {
  const dir = shippedScenarioDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Maps a sim:// URI, a shipped name or a file path to the scenario file it names. */
export function resolveScenarioPath(ref: string, cwd = process.cwd()): string {
  let spec = ref.trim();
  if (spec.startsWith('sim://')) spec = spec.slice('sim://'.length);
  if (spec === '') throw new ScenarioError('no scenario given (use sim://NAME or a YAML file)', 'invalid');
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec) && !/\.ya?ml$/i.test(spec)) {
    const file = path.join(shippedScenarioDir(), `${spec}.yaml`);
    if (!existsSync(file)) {
      throw new ScenarioError(
        `unknown scenario "${spec}" (shipped: ${shippedScenarioNames().join(', ') || 'none'}; or give a YAML file)`,
        'not_found',
      );
    }
    return file;
  }
  const file = path.isAbsolute(spec) ? spec : path.resolve(cwd, spec);
  if (!existsSync(file)) throw new ScenarioError(`scenario file ${file} does not exist`, 'not_found');
  return file;
}

function fieldPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out || '(top level)';
}

/**
 * A union failure (a trace of some kind) says only "Invalid input"; descend into the branch
 * that matched the `kind` (or the closest one) to name the real field and problem.
 */
function explain(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0)
    return { path: [...issue.path], message: issue.message };
  const isKindMismatch = (i: z.core.$ZodIssue) => i.code === 'invalid_value' && i.path[0] === 'kind';
  const branches = issue.errors.filter((b) => !b.some(isKindMismatch) && b.length > 0);
  const best = (branches.length > 0 ? branches : issue.errors).reduce((a, b) =>
    b.length < a.length ? b : a,
  );
  const inner = explain(best[0]);
  const onlyType = issue.errors.every(
    (b) => b.length === 1 && b[0].code === 'invalid_type' && b[0].path.length === 0,
  );
  if (onlyType)
    return {
      path: [...issue.path],
      message: 'expected a number, a quantity like "20MiB" or a trace object with a kind',
    };
  return { path: [...issue.path, ...inner.path], message: inner.message };
}

/** Validates parsed YAML; `where` names the source in error messages. */
export function parseScenario(data: unknown, where: string): Scenario {
  const r = scenarioSchema.safeParse(data);
  if (r.success) return r.data;
  const first = explain(r.error.issues[0]);
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  throw new ScenarioError(`${where}: ${fieldPath(first.path)}: ${first.message}${more}`, 'invalid', {
    cause: r.error,
  });
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(`cannot read scenario file ${file}`, 'not_found', { cause: e });
  }
  let data: unknown;
  try {
    data = parseYaml(text, { merge: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ScenarioError(`${file}: not valid YAML: ${msg}`, 'invalid', { cause: e });
  }
  return parseScenario(data, file);
}

/** Loads a scenario from a sim:// URI, a shipped name or a file path. */
export function loadScenario(ref: string, cwd?: string): Scenario {
  return loadScenarioFile(resolveScenarioPath(ref, cwd));
}
