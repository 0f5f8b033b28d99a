// Typed errors of the hypervisor port. Every adapter maps its failures onto these codes so
// the decision code and the CLI can react without knowing which backend answered.

export type HypervisorErrorCode =
  | 'not_found' // the host, VM, device or saved image does not exist
  | 'unsupported' // the backend cannot do this operation (e.g. migration on the test driver)
  | 'unreachable' // cannot connect, or the connection dropped (retry later)
  | 'transient' // the backend is busy (domain in a job, lock held): retry may succeed
  | 'timeout' // the call did not finish before its deadline
  | 'invalid' // bad argument (unknown URI scheme, value out of range, malformed XML)
  | 'failed'; // the backend refused or failed for another reason

export class HypervisorError extends Error {
  override readonly name = 'HypervisorError';
  constructor(
    readonly code: HypervisorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when retrying the same call later may succeed. */
  get retryable(): boolean {
    return this.code === 'unreachable' || this.code === 'transient' || this.code === 'timeout';
  }
}

export function isHypervisorError(e: unknown, code?: HypervisorErrorCode): e is HypervisorError {
  return e instanceof HypervisorError && (code === undefined || e.code === code);
}

/** Runs `work` with a deadline; past it rejects with a `timeout` HypervisorError. */
export async function withDeadline<T>(what: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HypervisorError('timeout', `${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref?.();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
