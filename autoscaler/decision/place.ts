// Placement of a new VM (`vmpilot place`, GET /api/v1/place): the best host for a VM of a
// given size, with reasons. No second scoring: the VM is put on a stand-in host outside the
// round's usable set and the global planner's own destination rule (global.ts placeVm →
// chooseDestination, as for an evacuation) picks where it goes — held, ignored and
// maintenance hosts are never chosen; pins, anti-affinity, free memory and `high` on every
// resource after the move all apply. The new VM is assumed to use all it is given (its
// vCPUs busy, its memory touched, the disk and network rates asked for) until it has a
// history of its own.
import type { HeldHost } from '../../core/model/hold';
import type { Reason } from '../../core/model/plan';
import type { HostSnapshot, VmSnapshot } from '../../core/model/snapshot';
import { isMaintenance, placeVm } from './global';
import { placementRound, type PlannerInput } from './planner';

export interface PlacementRequest {
  /** The VM's name, if it has one: placement rules (pins, groups, anti-affinity) match it. */
  name?: string;
  vcpus: number;
  memoryBytes: number;
  diskBytesPerSecond?: number;
  netBytesPerSecond?: number;
}

export interface Placement {
  at: number;
  request: PlacementRequest;
  /** The chosen host; absent when nothing fits. */
  host?: string;
  reason: Reason;
  /** Hosts not considered at all (held, ignored, in maintenance) and why. */
  notConsidered: { host: string; reason: string }[];
}

/** The request names a VM that exists (HTTP 409). */
export class PlacementNameTaken extends Error {
  readonly status = 409;
}

/** The stand-in host the new VM "comes from"; never a destination (not usable). */
const NOWHERE = '(not placed)';
const DEFAULT_NAME = '(new VM)';

export function planPlacement(input: PlannerInput, req: PlacementRequest): Placement {
  const { snapshot, config, now } = input;
  const name = req.name ?? DEFAULT_NAME;
  if (snapshot.vms.some((v) => v.name === name))
    throw new PlacementNameTaken(`a VM named "${name}" exists already: placement is for a new VM`);
  const demand = {
    cpu: req.vcpus,
    mem: req.memoryBytes,
    disk: req.diskBytesPerSecond ?? 0,
    net: req.netBytesPerSecond ?? 0,
  };
  const points = Math.max(1, ...snapshot.hosts.map((h) => h.usageHistory.length));
  // Sized as the largest host, so the VM's traits (disk-, network-heavy…) are judged on a
  // host's scale, not on a host of its own size.
  const largest = (r: keyof typeof demand) =>
    Math.max(demand[r], 1, ...snapshot.hosts.map((h) => h.capacity[r]));
  const standIn: HostSnapshot = {
    name: NOWHERE,
    cpus: Math.max(req.vcpus, ...snapshot.hosts.map((h) => h.cpus)),
    capacity: { cpu: largest('cpu'), mem: largest('mem'), disk: largest('disk'), net: largest('net') },
    usageHistory: Array.from({ length: points }, () => ({ ...demand })),
    up: true,
    ageSeconds: 0,
  };
  const vm: VmSnapshot = {
    name,
    host: NOWHERE,
    state: 'running',
    vcpus: req.vcpus,
    memoryBytes: req.memoryBytes,
    workload: 'unknown',
    usageHistory: Array.from({ length: points }, () => ({ ...demand })),
    allocation: { vcpus: req.vcpus, balloonBytes: req.memoryBytes },
  };
  const withVm = { ...snapshot, hosts: [...snapshot.hosts, standIn], vms: [...snapshot.vms, vm] };
  const { held, global } = placementRound({ ...input, snapshot: withVm }, NOWHERE);
  const { usable } = global;
  const notConsidered = [
    ...held.map((h: HeldHost) => ({ host: h.host, reason: h.reason })),
    ...[...usable]
      .filter((h) => isMaintenance(h, global))
      .map((host) => ({ host, reason: 'in maintenance: no new VMs' })),
  ];
  const size = `${req.vcpus} vCPU(s), ${(req.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
  const { destination, rejected } = placeVm(global, name);
  if (!destination) {
    const why = [
      ...rejected.map((r) => `${r.candidate}: ${r.rejected}`),
      ...notConsidered.map((h) => `${h.host}: ${h.reason}`),
    ];
    return {
      at: now,
      request: req,
      reason: {
        rule: 'place.none',
        text: `no host fits a VM of ${size}${why.length ? ` (${why.join('; ')})` : ' (no usable host)'}`,
        scores: {},
        alternatives: rejected,
      },
      notConsidered,
    };
  }
  const d = destination;
  return {
    at: now,
    request: req,
    host: d.host,
    reason: {
      rule: 'place',
      text:
        `${d.host}: stays under high (${(config.high * 100).toFixed(0)} %) on every resource with a VM of ${size}, ` +
        `most loaded resource then at ${(d.maxLoadAfter * 100).toFixed(0)} %` +
        (d.partners > 0 ? `, ${d.partners} communication partner(s) there` : '') +
        (d.sharesNonSharable ? ', shares a non-sharable resource (no other host fits)' : '') +
        ' — the global planner’s destination rule (no shared non-sharable resource, partners, least loaded after)',
      scores: {
        destinationMaxLoadAfter: d.maxLoadAfter,
        destinationPartners: d.partners,
      },
      alternatives: rejected.filter((r) => r.candidate !== d.host),
    },
    notConsidered,
  };
}

/** What `vmpilot place --json` prints and GET /api/v1/place answers (`host` null: nothing fits). */
export interface PlacementJson {
  at: string;
  request: PlacementRequest;
  host: string | null;
  reason: Reason;
  notConsidered: { host: string; reason: string }[];
}

export function placementToJson(p: Placement): PlacementJson {
  return {
    at: new Date(p.at).toISOString(),
    request: p.request,
    host: p.host ?? null,
    reason: p.reason,
    notConsidered: p.notConsidered,
  };
}
