// What a config reload (SIGHUP) changes in a running service, as Prometheus does on SIGHUP:
// every setting that can safely change at run time takes effect at once — the planner's
// section (thresholds, periods, budgets, cooldowns, maintenance/ignored hosts, exclusions,
// pins, windows), what is read from Prometheus (url, auth, queries, intervals, capacities,
// plausibility margins, per-VM overrides), the alert webhook's settings, the round deadline,
// the applier's migration limits, dryRun, the bearer token file, authUsers and the web
// config file. The settings below are wired into connections, files or the election at
// start: a change there is named in one warning line and the running value is kept, so the
// running config is never half-applied.
import type { LoadedConfig } from '../config/load';

/** Dotted paths (a path covers everything under it) that only a restart applies. */
export const RESTART_ONLY = [
  'hypervisors', // connections
  'simulatorSpeed', // the simulated cluster runs at it
  'listen', // the API's socket
  'exporter', // the in-process exporter's socket
  'journal', // the journal file (and the lock, pause and maintenance files beside it)
  'journalLimits',
  'leader', // etcd election and journal
  'paused', // the start state; the operator's pause is POST /api/v1/pause|resume
  'planner.paused', // the same switch (validateConfig copies it)
  'applier.callTimeoutSeconds', // the connections' default deadline
  'failover', // detection windows and the kept definitions' directory
] as const;

export interface ReloadOutcome {
  /** Settings (dotted paths) that changed and took effect. */
  applied: string[];
  /** Settings (dotted paths) that changed but need a restart; their running value is kept. */
  needsRestart: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths of the leaves (arrays count as one) that differ between two values. */
function changedPaths(a: unknown, b: unknown, at: string): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], at ? `${at}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

const restartOnly = (p: string) => RESTART_ONLY.some((r) => p === r || p.startsWith(`${r}.`));

/** What differs between the running config and a new one, split by whether a reload applies it. */
export function changedSettings(running: LoadedConfig, next: LoadedConfig): ReloadOutcome {
  const paths = changedPaths(running, next, '');
  return { applied: paths.filter((p) => !restartOnly(p)), needsRestart: paths.filter(restartOnly) };
}

/** The config a reload runs with: the new file, but the running value of every restart-only setting. */
export function effectiveConfig(running: LoadedConfig, next: LoadedConfig): LoadedConfig {
  const out = structuredClone(next) as unknown as Record<string, unknown>;
  const from = running as unknown as Record<string, unknown>;
  for (const p of RESTART_ONLY) {
    const keys = p.split('.');
    let src: unknown = from;
    let dst: Record<string, unknown> = out;
    for (const k of keys.slice(0, -1)) {
      src = isRecord(src) ? src[k] : undefined;
      dst = dst[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    const value = isRecord(src) ? src[last] : undefined;
    if (value === undefined) delete dst[last];
    else dst[last] = structuredClone(value);
  }
  return out as unknown as LoadedConfig;
}
