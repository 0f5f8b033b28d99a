// Collector "app": application SLIs of each VM, where the port offers them (the simulator's
// `getAppStats(host)`); real libvirt hosts have none, so the scrape skips this collector there.
import { FamilyBuilder } from '../metrics';
import type { Collector } from './types';

export const appCollector: Collector = {
  name: 'app',
  description: 'application requests, responses and response time (ports with getAppStats only)',
  source: 'app',
  groups: [],
  defaultEnabled: true,
  collect(input) {
    if (!input.app) throw new Error(`no application stats for host ${input.host}`);
    const b = new FamilyBuilder();
    const req = b.family(
      'vmpilot_app_requests_total',
      'counter',
      'Requests that arrived at the application.',
    );
    const resp = b.family('vmpilot_app_responses_total', 'counter', 'Requests the application answered.');
    const rt = b.family(
      'vmpilot_app_response_time_seconds',
      'gauge',
      'Mean response time of the application over the last interval.',
    );
    // The same identifying labels as every per-VM series (host, domain, uuid) when the
    // domain stats of this scrape know the VM.
    const uuidOf = new Map((input.stats?.vms ?? []).map((v) => [v.name, v.uuid]));
    for (const a of [...input.app].sort((x, y) => (x.vm < y.vm ? -1 : x.vm > y.vm ? 1 : 0))) {
      const uuid = uuidOf.get(a.vm);
      const l: Record<string, string> = { host: input.host, domain: a.vm };
      if (uuid) l.uuid = uuid;
      req(l, a.requestsTotal);
      resp(l, a.responsesTotal);
      rt(l, a.responseTimeSeconds);
    }
    return b.build();
  },
};
