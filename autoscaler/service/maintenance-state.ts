// Hosts the operator put in maintenance through the API (POST/DELETE
// /api/v1/hosts/HOST/maintenance) survive a restart: kept in `<journal>.maintenance.json`
// beside the journal, as the pause is (pause-state.ts). Config maintenance
// (capacity.hosts.HOST.maintenance, planner.maintenanceHosts) is not kept here: the config
// file is its own record.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file';

const entrySchema = z.object({
  host: z.string().min(1),
  /** ISO time the operator asked for it. */
  since: z.string(),
  /** The operator's words, if any ("replace DIMM B2"). */
  reason: z.string().optional(),
});
const stateSchema = z.object({ hosts: z.array(entrySchema) });

export type MaintenanceEntry = z.infer<typeof entrySchema>;

export interface MaintenanceStore {
  load(): MaintenanceEntry[];
  /** Kept before it resolves (etcd: a write guarded by the leader's lease; file: at once). */
  save(entries: readonly MaintenanceEntry[]): void | Promise<void>;
  /** Where it is kept (a file, or an etcd key), for messages. */
  readonly file: string;
}

/** The kept text as maintenance entries (one definition for the file and for etcd). */
export function parseMaintenanceState(text: string, where: string): MaintenanceEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`maintenance state ${where} is not JSON (fix or delete it: no host in API maintenance)`, {
      cause: e,
    });
  }
  const r = stateSchema.safeParse(parsed);
  if (!r.success)
    throw new Error(`maintenance state ${where} is malformed (fix or delete it: no host in API maintenance)`);
  return r.data.hosts;
}

export function maintenanceStateText(entries: readonly MaintenanceEntry[]): string {
  return `${JSON.stringify({ hosts: entries }, null, 1)}\n`;
}

export function maintenanceStateFileFor(journal: string): string {
  return `${journal}.maintenance.json`;
}

export function fileMaintenanceStore(file: string): MaintenanceStore {
  return {
    file,
    load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new Error(`maintenance state ${file}: ${(e as Error).message}`, { cause: e });
      }
      return parseMaintenanceState(text, file);
    },
    save(entries) {
      writeFileAtomic(file, maintenanceStateText(entries));
    },
  };
}

/** In memory (simulations, tests without a journal directory). */
export function memoryMaintenanceStore(): MaintenanceStore {
  let kept: MaintenanceEntry[] = [];
  return {
    file: '(memory)',
    load: () => kept.map((e) => ({ ...e })),
    save: (entries) => {
      kept = entries.map((e) => ({ ...e }));
    },
  };
}
