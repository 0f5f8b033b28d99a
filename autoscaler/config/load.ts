// Reading and validating vmpilot.yaml: YAML syntax errors and every schema violation are
// reported together, each as "path: reason", so an operator fixes the file in one pass.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { parseHypervisorUri } from '../../core/hypervisor/open';
import { QEMU_DEFAULT_MAX_DOWNTIME_SECONDS } from '../../core/model/precopy';
import { defaultPlannerConfig, type PlannerConfig } from '../decision/config';
import { closestKey, knownKeysAt } from './did-you-mean';
import { serviceConfigSchema, type ServiceConfig } from './schema';
import { semanticErrors } from './semantics';

/** Largest config file read (a config is a few KiB; /dev/zero must not fill the memory). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

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
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(serviceConfigSchema, issue.path);
    const hints = issue.keys.map((k) => {
      const near = closestKey(k, known);
      return near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`;
    });
    return `${where}: unknown key${hints.length > 1 ? 's' : ''} ${hints.join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}

/**
 * The downtime limit the hypervisors will stop pre-copy on, for the planner's estimate: the
 * applier's `maxDowntimeMs` (it sets it on every migration), else the planner's own setting,
 * else QEMU's default when a host is QEMU (libvirt `qemu…://`); none for the simulator,
 * whose migrations follow Table 1's stop threshold alone.
 */
function plannerDowntimeLimit(cfg: ServiceConfig, planner: PlannerConfig): { maxDowntimeSeconds?: number } {
  if (cfg.applier.maxDowntimeMs !== undefined)
    return { maxDowntimeSeconds: cfg.applier.maxDowntimeMs / 1000 };
  if (planner.migration.maxDowntimeSeconds !== undefined) return {};
  const qemu = cfg.hypervisors.some((h) => /^qemu[+:]/.test(parseHypervisorUri(h).uri));
  return qemu ? { maxDowntimeSeconds: QEMU_DEFAULT_MAX_DOWNTIME_SECONDS } : {};
}

/**
 * The simulator's migrations have no switch-over cost (core/sim/model.ts: downtime is the
 * last round alone), so on sim:// alone C is 0, not learned: a downtime residual there is
 * another estimation error (bandwidth, dirty rate), which the switch-over term must not absorb.
 */
function simulatorSwitchover(cfg: ServiceConfig, planner: PlannerConfig): { switchoverSeconds?: number } {
  if (planner.migration.switchoverSeconds !== undefined) return {};
  const simOnly = cfg.hypervisors.every((h) => parseHypervisorUri(h).kind !== 'libvirt');
  return simOnly ? { switchoverSeconds: 0 } : {};
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
  const loaded: LoadedConfig = {
    ...cfg,
    dryRun,
    paused,
    planner: {
      ...planner,
      dryRun,
      paused,
      // The planner does not plan what the applier would abort: one timeout for both. Its
      // estimate stops pre-copy where the hypervisor will (see plannerDowntimeLimit).
      migration: {
        ...planner.migration,
        timeoutSeconds: cfg.applier.migrationTimeoutSeconds,
        ...plannerDowntimeLimit(cfg, planner),
        ...simulatorSwitchover(cfg, planner),
      },
    },
    journal: resolve(cfg.journal),
    authTokenFile: cfg.authTokenFile === undefined ? undefined : resolve(cfg.authTokenFile),
    baseDir,
  };
  const errors = semanticErrors(loaded);
  if (errors.length > 0) throw new ConfigError(file, errors);
  return loaded;
}

/** Parses YAML text and validates it. */
export function parseConfigText(text: string, file = 'config', baseDir = process.cwd()): LoadedConfig {
  // yaml's own duplicate-key check is quadratic in a map's size (40,000 `vms` entries: ~9 s);
  // duplicateKeys() does the same in one pass.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  const dups = duplicateKeys(doc, text);
  if (dups.length > 0) throw new ConfigError(file, dups);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // e.g. "Excessive alias count indicates a resource exhaustion attack"
    throw new ConfigError(file, [`YAML: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return validateConfig(raw, file, baseDir);
}

/** Reads, parses and validates a config file. */
export function loadConfig(file: string): LoadedConfig {
  return parseConfigText(readConfigFile(file), file, path.dirname(path.resolve(file)));
}

/**
 * A config file's text: only a regular file (a FIFO would block, /dev/zero never end) of
 * at most MAX_CONFIG_BYTES. Opened non-blocking, then checked on the open descriptor.
 */
function readConfigFile(file: string): string {
  const fail = (why: string): never => {
    throw new ConfigError(file, [why]);
  };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return fail(`cannot read the file: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return fail('not a regular file (a device, FIFO or directory is not a config)');
    if (st.size > MAX_CONFIG_BYTES) return fail(`${st.size} bytes: larger than ${MAX_CONFIG_BYTES} bytes`);
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (let r = -1; r !== 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_CONFIG_BYTES) return fail(`larger than ${MAX_CONFIG_BYTES} bytes`);
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return fail(`cannot read the file: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** "line N: duplicate key "x"" for every key a mapping repeats (yaml would keep the last). */
function duplicateKeys(doc: Document, text: string): string[] {
  const out: string[] = [];
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? '?' : String(text.slice(0, offset).split('\n').length);
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k === undefined) continue;
        if (seen.has(k) && out.length < 20)
          out.push(
            `line ${lineOf(isScalar(pair.key) ? pair.key.range?.[0] : undefined)}: duplicate key "${k}"`,
          );
        seen.add(k);
      }
    },
  });
  return out;
}
