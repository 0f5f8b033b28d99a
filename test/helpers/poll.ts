// The one polling helper for tests: wait for a condition with a deadline, never a fixed sleep.
//
// `pollUntil` calls `probe` until it yields a value — anything but `undefined`, `null` or
// `false` (so `0` and `''` count as found) — and resolves with it. A probe that throws is
// retried: its error is kept and reported if the deadline passes. At the deadline it
// rejects with one line naming `what`, the time waited and the last value or error seen.
// A probe that knows waiting is pointless (the process it waits for has exited) throws
// `GiveUp`, which rejects at once.

/** Thrown by a probe to stop polling immediately with this message. */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

export interface PollOptions {
  /** What is awaited, as the error message should name it ("the exporter's /healthz"). */
  what: string;
  /** Deadline from the first probe, in ms (default 30 000). */
  timeoutMs?: number;
  /** Pause between probes, in ms (default 100). */
  intervalMs?: number;
}

/** A probe's result once it counts as found. */
export type Found<T> = Exclude<T, undefined | null | false>;

function found<T>(v: T): v is Found<T> {
  return v !== undefined && v !== null && v !== false;
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  try {
    const s = JSON.stringify(v);
    if (s !== undefined) return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    // circular or BigInt: fall through
  }
  return String(v);
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves with the probe's first found value; rejects at the deadline naming `what`. */
export async function pollUntil<T>(probe: () => T | Promise<T>, opts: PollOptions): Promise<Found<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const start = Date.now();
  const deadline = start + timeoutMs;
  let last: { value: unknown } | { error: unknown } | undefined;
  for (;;) {
    try {
      const v = await probe();
      if (found(v)) return v;
      last = { value: v };
    } catch (e) {
      if (e instanceof GiveUp)
        throw new Error(`gave up waiting for ${opts.what}: ${e.message}`, { cause: e });
      last = { error: e };
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const seen =
        last === undefined
          ? ''
          : 'error' in last
            ? ` (last error: ${describe(last.error)})`
            : ` (last value: ${describe(last.value)})`;
      throw new Error(`timed out after ${Date.now() - start} ms waiting for ${opts.what}${seen}`);
    }
    await pause(Math.min(intervalMs, left));
  }
}
