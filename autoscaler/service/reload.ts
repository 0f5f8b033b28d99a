// What a config reload (SIGHUP) changes in a running service. Applied at once: `dryRun`,
// the bearer token file (re-read even when its path is unchanged), `authUsers` and the web config file
// (TLS certificates, basic auth users, headers). Every other setting is read at start-up
// (connections, loops, planner, journal): a change there is named in the log as needing a
// restart, never half-applied.
import type { LoadedConfig } from '../config/load';

export const RELOADABLE = ['dryRun', 'authTokenFile', 'authUsers'] as const;

export interface ReloadOutcome {
  /** Top-level settings that changed and took effect. */
  applied: string[];
  /** Top-level settings that changed but need a restart. */
  needsRestart: string[];
}

/** The top-level settings that differ between two configs, split by whether a reload applies them. */
export function changedSettings(before: LoadedConfig, after: LoadedConfig): ReloadOutcome {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const applied: string[] = [];
  const needsRestart: string[] = [];
  // validateConfig copies dryRun/paused into the planner section: compare it without them.
  const view = (c: LoadedConfig, k: string) =>
    JSON.stringify(
      k === 'planner'
        ? { ...c.planner, dryRun: undefined, paused: undefined }
        : (c as unknown as Record<string, unknown>)[k],
    );
  for (const k of [...keys].sort()) {
    const a = view(before, k);
    const b = view(after, k);
    if (a === b) continue;
    if ((RELOADABLE as readonly string[]).includes(k)) applied.push(k);
    else needsRestart.push(k);
  }
  return { applied, needsRestart };
}
