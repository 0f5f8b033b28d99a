// Helpers of the migration path: where a VM really is (the truth a migration's result is
// checked against, here and at start-up reconciliation), and abandoning a migration at
// shutdown.
import { isHypervisorError } from '../../core/hypervisor/errors';
import type { HypervisorPort, VmState } from '../../core/hypervisor/port';

/** Shutdown gave up waiting for a migration: its job is aborted and the event closed. */
export class AbandonedError extends Error {
  override readonly name = 'AbandonedError';
}

export function raceAbandon<T>(abandoned: Promise<never>, work: Promise<T>): Promise<T> {
  work.catch(() => undefined); // its outcome is read from the hypervisor if abandoned
  return Promise.race([work, abandoned]);
}

/**
 * Finds a VM on one of two hosts: 'to', 'from', or null when it is on neither.
 *
 * While a migration runs (and until libvirt cleans up one that failed or was aborted) the
 * destination holds a paused *incoming* copy beside the running source: that is not the VM
 * having moved. It counts as moved when only the destination's copy is active, or when the
 * destination runs while the source is paused (the switch-over happened, the source is
 * waiting to be torn down). Found on the real lab: a pre-copy aborted at its timeout was
 * recorded completed while the guest ran on at the source.
 */
export async function locateVm(
  port: HypervisorPort,
  vm: string,
  from: string,
  to: string,
  timeoutMs: number,
): Promise<'to' | 'from' | null> {
  const stateOn = async (host: string): Promise<VmState | null> => {
    try {
      const v = await port.getVm({ host, name: vm }, { timeoutMs });
      // An inactive definition (left on the source after a migration) does not count.
      return v.state === 'shutoff' || v.state === 'nostate' ? null : v.state;
    } catch (e) {
      if (isHypervisorError(e, 'not_found')) return null;
      throw e;
    }
  };
  const onTo = await stateOn(to);
  const onFrom = await stateOn(from);
  if (onTo && (!onFrom || (onTo !== 'paused' && onFrom === 'paused'))) return 'to';
  if (onFrom) return 'from';
  return null;
}
