// The VM definitions kept while their hosts are alive (issue 13 item 4), so a failed host's
// VMs can be started elsewhere: one JSON file per VM UUID in a directory beside the
// journal (JOURNAL.definitions/), written atomically (temp file + rename) and only when the
// record changed; read back at start, so a restarted autoscaler still has them. Simulations
// keep them in memory.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeptVm } from '../decision/restart';

export interface KeptDefinition extends KeptVm {
  /** The hypervisor's definition (libvirt: inactive domain XML). */
  definition: string;
  /** When it was read, ms since the epoch. */
  savedAtMs: number;
}

export interface DefinitionStore {
  get(uuid: string): KeptDefinition | undefined;
  all(): KeptDefinition[];
  /** Keeps the record (persisted when the store is on disk). */
  put(def: KeptDefinition): void;
}

const same = (a: KeptDefinition, b: KeptDefinition) =>
  a.definition === b.definition &&
  a.host === b.host &&
  a.name === b.name &&
  a.vcpus === b.vcpus &&
  a.memoryBytes === b.memoryBytes &&
  a.wasRunning === b.wasRunning &&
  JSON.stringify(a.priority) === JSON.stringify(b.priority) &&
  Math.abs(a.cpuCores - b.cpuCores) < 0.25;

export class MemoryDefinitionStore implements DefinitionStore {
  protected readonly byUuid = new Map<string, KeptDefinition>();
  get(uuid: string): KeptDefinition | undefined {
    return this.byUuid.get(uuid);
  }
  all(): KeptDefinition[] {
    return [...this.byUuid.values()];
  }
  put(def: KeptDefinition): void {
    this.byUuid.set(def.uuid, def);
  }
  /** True when `def` differs from what is kept (so a file store writes only changes). */
  protected changed(def: KeptDefinition): boolean {
    const cur = this.byUuid.get(def.uuid);
    return cur === undefined || !same(cur, def);
  }
}

const UUID_FILE = /^[0-9a-fA-F-]{1,64}\.json$/;

export class FileDefinitionStore extends MemoryDefinitionStore {
  constructor(readonly dir: string) {
    super();
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) {
      if (!UUID_FILE.test(f)) continue;
      try {
        const def = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as KeptDefinition;
        if (typeof def.uuid === 'string' && typeof def.definition === 'string')
          this.byUuid.set(def.uuid, def);
      } catch {
        // A torn file from a crash mid-write never replaced the good one (rename is atomic):
        // only a `.tmp` can be torn, and those do not match UUID_FILE.
      }
    }
  }

  override put(def: KeptDefinition): void {
    if (!this.changed(def)) return;
    if (!/^[0-9a-fA-F-]{1,64}$/.test(def.uuid)) throw new Error(`not a UUID: ${JSON.stringify(def.uuid)}`);
    const file = path.join(this.dir, `${def.uuid}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(def)}\n`);
    renameSync(`${file}.tmp`, file);
    super.put(def);
  }
}

/** The default directory: beside the journal. */
export function definitionsDirFor(journalPath: string): string {
  return `${journalPath}.definitions`;
}
