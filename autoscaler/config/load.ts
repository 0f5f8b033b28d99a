// Reading and validating vmpilot.yaml: YAML syntax errors and every schema violation are
// reported together, each as "path: reason", so an operator fixes the file in one pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { defaultPlannerConfig, type PlannerConfig } from '../decision/config';
import { serviceConfigSchema, type ServiceConfig } from './schema';

/** A config that failed validation; `problems` holds one "path: reason" line per wrong field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The validated config plus the planner config with its defaults filled in. */
export interface LoadedConfig extends ServiceConfig {
  planner: PlannerConfig;
  /** Directory of the file: relative paths (journal, token file) resolve against it. */
  baseDir: string;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `${where}: ${issue.message}`;
}

/** Validates an already parsed object (YAML/JSON) as a config. */
export function validateConfig(raw: unknown, file = 'config', baseDir = process.cwd()): LoadedConfig {
  const parsed = serviceConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.map(formatIssue));
  const cfg = parsed.data;
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  const planner = cfg.planner ?? defaultPlannerConfig();
  // One switch each: `dryRun`/`paused` at the top level or under `planner` mean the same.
  const dryRun = cfg.dryRun || planner.dryRun;
  const paused = cfg.paused || planner.paused;
  return {
    ...cfg,
    dryRun,
    paused,
    planner: {
      ...planner,
      dryRun,
      paused,
      // The planner does not plan what the applier would abort: one timeout for both.
      migration: { ...planner.migration, timeoutSeconds: cfg.applier.migrationTimeoutSeconds },
    },
    journal: resolve(cfg.journal),
    authTokenFile: cfg.authTokenFile === undefined ? undefined : resolve(cfg.authTokenFile),
    baseDir,
  };
}

/** Parses YAML text and validates it. */
export function parseConfigText(text: string, file = 'config', baseDir = process.cwd()): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  return validateConfig(doc.toJS(), file, baseDir);
}

/** Reads, parses and validates a config file. */
export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return parseConfigText(text, file, path.dirname(path.resolve(file)));
}
