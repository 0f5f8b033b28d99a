// Helpers of the migration path: where a VM really is (the truth a migration's result is
// checked against, here and at start-up reconciliation), and abandoning a migration at
// shutdown.
import { isHypervisorError } from '../../core/hypervisor/errors';
import type { HypervisorPort } from '../../core/hypervisor/port';

/** Shutdown gave up waiting for a migration: its job is aborted and the event closed. */
export class AbandonedError extends Error {
  override readonly name = 'AbandonedError';
}

export function raceAbandon<T>(abandoned: Promise<never>, work: Promise<T>): Promise<T> {
  work.catch(() => undefined); // its outcome is read from the hypervisor if abandoned
  return Promise.race([work, abandoned]);
}

/** Finds a VM on one of two hosts: 'to', 'from', or null when it is on neither. */
export async function locateVm(
  port: HypervisorPort,
  vm: string,
  from: string,
  to: string,
  timeoutMs: number,
): Promise<'to' | 'from' | null> {
  const on = async (host: string) => {
    try {
      const v = await port.getVm({ host, name: vm }, { timeoutMs });
      // An inactive definition left on the source after a migration does not count.
      return v.state !== 'shutoff' && v.state !== 'nostate';
    } catch (e) {
      if (isHypervisorError(e, 'not_found')) return false;
      throw e;
    }
  };
  if (await on(to)) return 'to';
  if (await on(from)) return 'from';
  return null;
}
