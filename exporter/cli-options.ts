// Parsing of the exporter's command-line values (pure): listen addresses, durations,
// collector switches and stat-group lists. Errors name the flag and the bad value.
import { ALL_STAT_GROUPS, type StatGroup } from '../core/hypervisor/port';
import { COLLECTORS } from './collectors';

export function parseListen(v: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`--listen "${v}": expected HOST:PORT, e.g. 127.0.0.1:9177`);
  const host = m[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host, port };
}

/** "5s", "500ms", "1m" or a bare number of seconds → milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`${flag} "${v}": expected a duration such as 5s, 500ms or 1m`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms < 0) throw new Error(`${flag} "${v}": must not be negative`);
  return ms;
}

/** Enabled collectors after applying `--collector.X` (true) / `--no-collector.X` (false). */
export function enabledCollectors(switches: Readonly<Record<string, boolean | undefined>>): string[] {
  return COLLECTORS.filter((c) => switches[c.name] ?? c.defaultEnabled).map((c) => c.name);
}

/** "balloon,block" → groups; "none" → []. */
export function parseGroups(v: string): StatGroup[] {
  if (v.trim() === 'none' || v.trim() === '') return [];
  const groups = v.split(',').map((s) => s.trim());
  const bad = groups.filter((g) => !(ALL_STAT_GROUPS as readonly string[]).includes(g));
  if (bad.length > 0) {
    throw new Error(
      `--background-groups: unknown group(s) ${bad.join(', ')} (known: ${ALL_STAT_GROUPS.join(', ')}, or none)`,
    );
  }
  return groups as StatGroup[];
}
