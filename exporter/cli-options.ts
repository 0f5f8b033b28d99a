// Parsing of the exporter's own command-line values (pure): collector switches and
// stat-group lists. Listen addresses and durations use the parsers every binary shares
// (core/web/listen-address.ts, core/cli/duration.ts). Errors name the flag and the value.
import { ALL_STAT_GROUPS, type StatGroup } from '../core/hypervisor/port';
import { COLLECTORS } from './collectors';

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
