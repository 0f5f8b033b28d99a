// Application SLIs the simulated cluster offers beside the hypervisor port: per web VM,
// cumulative requests and responses and the mean response time over the last
// observation interval. The exporter publishes them as vmpilot_app_* metrics.
import type { HypervisorPort } from '../hypervisor/port';

export interface AppStat {
  domain: string;
  uuid: string;
  requestsTotal: number;
  responsesTotal: number;
  /** Mean response time of the responses in the last observation interval, seconds. */
  responseTimeSeconds: number;
  /** Requests dropped because the queue was full (cumulative). */
  droppedTotal: number;
}

export interface AppStatsSource {
  /** Application stats of every web VM on `host`; rejects `not_found` for an unknown host. */
  getAppStats(host: string): Promise<AppStat[]>;
}

export function isAppStatsSource(port: HypervisorPort | object): port is HypervisorPort & AppStatsSource {
  return typeof (port as Partial<AppStatsSource>).getAppStats === 'function';
}
