// The operator's pause survives a restart: POST /api/v1/pause is written to a small state
// file beside the journal, and a restarted service starts paused until POST
// /api/v1/resume. (A service that paused for an incident and came back acting after a
// crash or an upgrade would be a surprise.) Written atomically: temp file, fsync, rename.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file';

const stateSchema = z.object({ paused: z.boolean(), at: z.string() });

export type PauseState = z.infer<typeof stateSchema>;

export interface PauseStore {
  /** The last pause/resume the operator asked for, if any. */
  load(): PauseState | undefined;
  /** Kept before it resolves (etcd: a write guarded by the leader's lease; file: at once). */
  save(paused: boolean, at: Date): void | Promise<void>;
  /** Where it is kept (a file, or an etcd key), for messages. */
  readonly file: string;
}

/** The kept text as a pause state (one definition for the file and for etcd). */
export function parsePauseState(text: string, where: string): PauseState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`pause state ${where} is not JSON (delete it to start unpaused)`, { cause: e });
  }
  const r = stateSchema.safeParse(parsed);
  if (!r.success) throw new Error(`pause state ${where} is malformed (delete it to start unpaused)`);
  return r.data;
}

export function pauseStateText(paused: boolean, at: Date): string {
  return `${JSON.stringify({ paused, at: at.toISOString() })}\n`;
}

/** `<journal>.state.json`: the pause state of the service writing that journal. */
export function pauseStateFileFor(journal: string): string {
  return `${journal}.state.json`;
}

export function filePauseStore(file: string): PauseStore {
  return {
    file,
    load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`pause state ${file}: ${(e as Error).message}`, { cause: e });
      }
      return parsePauseState(text, file);
    },
    save(paused, at) {
      writeFileAtomic(file, pauseStateText(paused, at));
    },
  };
}
