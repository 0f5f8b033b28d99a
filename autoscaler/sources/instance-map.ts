// One exporter per KVM host (`prometheus.exporters`): Prometheus' `instance` label (the
// address it scraped, as /api/v1/sd handed it out) names the host of a series, whatever
// `host` label that exporter gives itself (a local qemu:///system is named by its own
// hostname, which need not be the autoscaler's name for it).
//
// The rule, per series of every round query:
//   - `instance` is one of the configured addresses (compared case-insensitively) → `host`
//     becomes that address's host name;
//   - `instance` is some other address → the series is dropped, and the round carries a
//     warning naming the instance and the configured ones (a stray target in the job must
//     not hold the whole cluster; the host it should have been stays held as no_data);
//   - no `instance` label at all → the query is refused (its PromQL aggregated the label
//     away: with per-host exporters every query must keep it, `by (instance, host, domain)`).
// Without `prometheus.exporters` (one exporter for many hosts) the `host` label stands.
import type { Labels } from './build-snapshot';
import { MetricsSourceError } from './source';

export class InstanceMap {
  private readonly hostOf = new Map<string, string>();

  constructor(private readonly exporters: Readonly<Record<string, string>>) {
    for (const [host, address] of Object.entries(exporters)) this.hostOf.set(address.toLowerCase(), host);
  }

  /** The relabelling of one round (rounds may overlap: an API plan beside a loop's round). */
  round(): RoundRelabel {
    return new RoundRelabel(this.hostOf, this.exporters);
  }
}

export class RoundRelabel {
  /** Unmapped instance → series dropped. */
  private readonly unmapped = new Map<string, number>();
  /** Instance → the distinct `host` labels its host-level series carried. */
  private readonly hostLabels = new Map<string, Set<string>>();

  constructor(
    private readonly hostOf: ReadonlyMap<string, string>,
    private readonly exporters: Readonly<Record<string, string>>,
  ) {}

  /** Rewrites `host` from `instance`; drops series of unknown instances. Throws on a missing label. */
  relabel<T extends { labels: Labels }>(query: string, rows: readonly T[]): T[] {
    const out: T[] = [];
    for (const row of rows) {
      const instance = row.labels.instance;
      if (instance === undefined)
        throw new MetricsSourceError(
          `query ${query} returns series without an "instance" label: with prometheus.exporters (one exporter per host) every query must keep it, e.g. sum by (instance, host, domain) (…)`,
        );
      const host = this.hostOf.get(instance.toLowerCase());
      if (host === undefined) {
        this.unmapped.set(instance, (this.unmapped.get(instance) ?? 0) + 1);
        continue;
      }
      if (row.labels.domain === undefined && row.labels.host !== undefined) {
        const seen = this.hostLabels.get(instance) ?? new Set<string>();
        seen.add(row.labels.host);
        this.hostLabels.set(instance, seen);
      }
      out.push({ ...row, labels: { ...row.labels, host } });
    }
    return out;
  }

  /** The round's problems, one line each. */
  warnings(): string[] {
    const entries = Object.entries(this.exporters);
    const known =
      entries
        .slice(0, 3)
        .map(([h, a]) => `${h}=${a}`)
        .join(', ') + (entries.length > 3 ? `, … ${entries.length} in all` : '');
    const warnings = [...this.unmapped].map(
      ([instance, n]) =>
        `instance "${instance}" maps to no host (prometheus.exporters: ${known}): its ${n} series are ignored`,
    );
    for (const [instance, hosts] of this.hostLabels)
      if (hosts.size > 1)
        warnings.push(
          `instance "${instance}" reports ${hosts.size} hosts (${[...hosts].sort().join(', ')}): an exporter listed in prometheus.exporters must serve exactly one host`,
        );
    return warnings;
  }
}
