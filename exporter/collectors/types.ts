// The collector interface (after node_exporter's `Collector.Update`): a collector is a pure
// function from what the hypervisor port reported to metric families. It never performs
// I/O itself; the scrape (exporter/scrape.ts) reads the port once per host and hands every
// enabled collector the same input.
import type { HostInfo, HostStats, StatGroup, VmStats } from '../../core/hypervisor/port';
import type { Labels, MetricFamily } from '../metrics';

/** Application SLIs of one VM, as offered by ports that know them (the simulator). */
export interface AppSli {
  vm: string;
  requestsTotal: number;
  responsesTotal: number;
  /** Mean response time over the last interval, seconds. */
  responseTimeSeconds: number;
}

export interface CollectorInput {
  host: string;
  /** Domain stats (undefined when the bulk read failed or timed out). */
  stats?: HostStats;
  /** Host facts (undefined when the read failed). */
  hostInfo?: HostInfo;
  /** Application SLIs (undefined when the port offers none or the read failed). */
  app?: AppSli[];
}

/** Which part of the input a collector reads; the scrape marks it failed when that part is missing. */
export type CollectorSource = 'stats' | 'host' | 'app';

export interface Collector {
  /** Name used in `--collector.<name>` and the `collector` label. */
  readonly name: string;
  /** One line for --help. */
  readonly description: string;
  readonly source: CollectorSource;
  /** libvirt stat groups this collector needs (source 'stats'). */
  readonly groups: readonly StatGroup[];
  readonly defaultEnabled: boolean;
  collect(input: CollectorInput): MetricFamily[];
}

// One labels object per VM per scrape, shared by every collector: the renderer formats a
// frozen labels object once (metrics.ts), so a VM's ~20 series cost one label text.
const labelsOfVm = new WeakMap<object, Labels>();

/** The labels that identify a VM's series: host, domain name and uuid (frozen, shared). */
export function vmLabels(host: string, vm: Pick<VmStats, 'name' | 'uuid'>): Labels {
  const have = labelsOfVm.get(vm);
  if (have && have.host === host && have.domain === vm.name && have.uuid === vm.uuid) return have;
  const l = Object.freeze({ host, domain: vm.name, uuid: vm.uuid });
  labelsOfVm.set(vm, l);
  return l;
}

/** Throws when the collector's input part is missing: the scrape reports success 0. */
export function requireStats(input: CollectorInput): HostStats {
  if (!input.stats) throw new Error(`no domain stats for host ${input.host}`);
  return input.stats;
}

/** Domain states with a running QEMU, whose stat groups libvirt always fills. */
const ACTIVE = new Set(['running', 'paused', 'blocked', 'pmsuspended']);

/**
 * The domain stats, refusing to report success with no data: when the host has active
 * domains and not one of them carries the group this collector reads (libvirt's test
 * driver answers the bulk call with `state.*` only), the collector fails (success 0). A
 * group that is present but empty (a domain without disks: `block.count` 0) is data.
 */
export function requireGroup(
  input: CollectorInput,
  field: 'cpu' | 'vcpu' | 'balloon' | 'blocks' | 'nets',
  group: StatGroup,
): HostStats {
  const stats = requireStats(input);
  const active = stats.vms.filter((v) => ACTIVE.has(v.state));
  if (active.length > 0 && active.every((v) => v[field] === undefined))
    throw new Error(
      `the hypervisor of host ${input.host} returned no "${group}" stats for any of its ${active.length} active domain(s)`,
    );
  return stats;
}
