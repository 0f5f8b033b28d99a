// The hypervisor hosts the service cannot reach now (core/hypervisor/connect.ts keeps each
// URI reconnecting in the background): they are held — named in the plan, no action on or
// towards them — while the reachable hosts are planned. The held code is
// `hypervisor_unreachable`, which the failed-host detector (failover/failover.ts) does not
// count as the exporter's view: a host is failed only when its exporter says so as well.
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { HeldHost } from '../../core/model/hold';
import type { Logger } from 'pino';

/** One held entry per host whose hypervisor connection is down. */
export function unreachableHeld(port: HypervisorPort): HeldHost[] {
  return (port.reachability?.() ?? [])
    .filter((h) => !h.up)
    .map((h) => ({
      host: h.host,
      code: 'hypervisor_unreachable' as const,
      // Fixed for the whole outage (its first error), so "host held" is logged once.
      reason: `hypervisor unreachable${h.sinceMs !== undefined ? ` since ${new Date(h.sinceMs).toISOString()}` : ''}: ${h.error ?? 'no answer'}`,
    }));
}

/**
 * At start-up with no hypervisor reachable: one error line, and the service runs on (its API
 * answers, /readyz says why it is not ready, every host is held) until one answers — as
 * node_exporter keeps serving with failing collectors and Prometheus keeps scraping targets
 * that are down. Each unreachable URI has already logged its own warning.
 */
export function warnIfNoneReachable(port: HypervisorPort, log: Logger): void {
  const hosts = port.reachability?.() ?? [];
  if (hosts.length > 0 && hosts.every((h) => !h.up))
    log.error(
      { hosts: hosts.map((h) => h.host) },
      'no hypervisor reachable: serving the API and retrying in the background; every host is held until one answers',
    );
}
