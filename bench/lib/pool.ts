// Work pools for benches and tests that start many domains: a failed start is retried, and
// a pool only settles once every in-flight item has settled, so clean-up that runs after
// it (listing and destroying the domains) never races a `virsh create` still in flight —
// `Promise.all` over the workers rejects at the first failure and leaves those behind.

/** Runs `work` over `items`, at most `width` at a time; rejects only after all have settled. */
export async function settledPool<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: { item: T; error: unknown }[] = [];
  const worker = async () => {
    // After the first failure no new item starts; the ones in flight run to the end.
    while (failures.length === 0 && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.allSettled(Array.from({ length: Math.max(1, width) }, worker));
  if (failures.length > 0) {
    const first = failures[0];
    const msg = first.error instanceof Error ? first.error.message : String(first.error);
    throw new Error(
      `${failures.length} of ${items.length} items failed; first (${String(first.item)}): ${msg}`,
      { cause: first.error },
    );
  }
}

/**
 * Calls `attempt` up to `times` times until it resolves; before each retry, `undo` (if
 * given) removes what a failed attempt may have left. Rejects with the last error.
 */
export async function retry<R>(
  what: string,
  times: number,
  attempt: () => Promise<R>,
  undo?: () => Promise<void>,
): Promise<R> {
  let last: unknown;
  for (let i = 1; i <= times; i++) {
    try {
      return await attempt();
    } catch (e) {
      last = e;
      if (i < times && undo) await undo().catch(() => undefined);
    }
  }
  const msg = last instanceof Error ? last.message : String(last);
  throw new Error(`${what} failed ${times} times; last: ${msg}`, { cause: last });
}
