// Reads application SLIs from ports that offer them: the simulator adds an optional
// `getAppStats(host)` method (core/sim/app-stats.ts); other ports have none. Duck-typed on
// purpose, so the exporter does not depend on the simulator's module.
import type { HypervisorPort } from '../core/hypervisor/port';
import type { AppSli } from './collectors/types';

interface AppStatsRecord {
  vm?: string;
  name?: string;
  domain?: string;
  requestsTotal?: number;
  responsesTotal?: number;
  responseTimeSeconds?: number;
}

type WithAppStats = HypervisorPort & { getAppStats?: (host: string) => Promise<unknown> };

export function offersAppStats(port: HypervisorPort): boolean {
  return typeof (port as WithAppStats).getAppStats === 'function';
}

/** Normalises one record; throws on a shape it cannot read (the app collector then reports 0). */
export function toAppSli(r: unknown): AppSli {
  const o = (r ?? {}) as AppStatsRecord;
  const vm = o.vm ?? o.name ?? o.domain;
  if (typeof vm !== 'string' || typeof o.requestsTotal !== 'number' || typeof o.responsesTotal !== 'number') {
    throw new Error(`unexpected application stats record ${JSON.stringify(r)}`);
  }
  return {
    vm,
    requestsTotal: o.requestsTotal,
    responsesTotal: o.responsesTotal,
    responseTimeSeconds: o.responseTimeSeconds ?? NaN,
  };
}

export async function readAppStats(port: HypervisorPort, host: string): Promise<AppSli[]> {
  const fn = (port as WithAppStats).getAppStats;
  if (!fn) throw new Error('port offers no application stats');
  const raw = await fn.call(port, host);
  const list = Array.isArray(raw) ? raw : ((raw as { vms?: unknown[] })?.vms ?? []);
  return list.map(toAppSli);
}
