// Restarts after a host failure (issue 13 item 4, seed 001 §2: "re-instantiate the VM on
// available free nodes"). Pure: the failed hosts, the VMs they ran (from the definitions
// kept while they were alive), the UUIDs running anywhere now, the shared-storage groups
// and the snapshot of the live hosts → restart actions, highest priority first, each on
// the best destination that has room, and the VMs left where they are with why.
//   - only a VM whose failed host shares storage with the destination (a declared group)
//     is restarted; without a group nothing is;
//   - a UUID running anywhere is never restarted (the VM already came back, or another
//     round restarted it), and a VM is planned at most once;
//   - the operator's constraints (constraints.ts, the one definition): an ignored host is
//     never a destination, and a pinned VM (planner.pins or its domain's metadata) restarts
//     only inside its pin set (an excluded VM is still restarted: exclusion stops migrations
//     and tuning, not recovery);
//   - room: the destination's free memory must hold the VM's memory and its CPU load after
//     the restart stay ≤ 1 (whole host); among those, the least loaded after the restart;
//   - order: priority (class, then service-provider weight; higher first), then the
//     configured order, then name.
import type { RestartAction } from '../../core/model/plan';
import { priorityRank, type VmPriority } from '../../core/model/priority';
import type { ClusterSnapshot, HostSnapshot } from '../../core/model/snapshot';
import type { OperatorConstraints } from './constraints';

/** A VM of a failed host, as kept while the host was alive. */
export interface KeptVm {
  uuid: string;
  name: string;
  host: string;
  vcpus: number;
  memoryBytes: number;
  /** CPU it used when last seen (cores), for the destination's load. */
  cpuCores: number;
  /** It was running (a VM that was shut off is not restarted). */
  wasRunning: boolean;
  /** Its priority as its domain carried it (libvirt <metadata>), when it had one. */
  priority?: VmPriority;
  /** The hosts its domain's metadata pinned it to, when it had any. */
  pinnedHosts?: string[];
}

export interface RestartInput {
  snapshot: ClusterSnapshot;
  failedHosts: ReadonlySet<string>;
  /** Hosts the round may use as destinations (not held, not in maintenance). */
  usable: ReadonlySet<string>;
  kept: readonly KeptVm[];
  /** UUIDs of VMs resident (running, paused, blocked) on a reachable host now. */
  residentUuids: ReadonlySet<string>;
  /** Shared-storage host groups (config `failover.sharedStorage`). */
  sharedStorage: readonly { name: string; hosts: readonly string[] }[];
  /** Priority of a VM (higher first), overriding the one kept with it; undefined = the kept one. */
  priorityOf: (vm: string) => number | undefined;
  /** Position of a VM in the configuration (earlier first); undefined = after every configured one. */
  configOrderOf: (vm: string) => number | undefined;
  /** The round's operator constraints: ignored hosts and pin sets bound the destinations. */
  constraints: Pick<OperatorConstraints, 'ignored' | 'outsidePins'>;
}

export interface Unplaced {
  vm: string;
  from: string;
  reason: string;
}

/**
 * One number for a priority, higher first: the class rank, then within a class the
 * service-provider weight (w / (1 + w) stays below the next class). No priority = normal, 1.
 */
export function priorityScore(p: VmPriority | undefined): number {
  const w = p?.weight ?? 1;
  return priorityRank(p) + w / (1 + w);
}

const scoreOf = (i: RestartInput, v: KeptVm) => i.priorityOf(v.name) ?? priorityScore(v.priority);

function orderKey(i: RestartInput, v: KeptVm): [number, number, string] {
  return [-scoreOf(i, v), i.configOrderOf(v.name) ?? Number.MAX_SAFE_INTEGER, v.name];
}

function compare(a: [number, number, string], b: [number, number, string]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2]);
}

/** Hosts sharing storage with `host` (every declared group it belongs to). */
export function storagePeers(host: string, groups: RestartInput['sharedStorage']): Set<string> {
  const peers = new Set<string>();
  for (const g of groups) if (g.hosts.includes(host)) for (const h of g.hosts) if (h !== host) peers.add(h);
  return peers;
}

interface Room {
  host: HostSnapshot;
  freeMem: number;
  cpuUsed: number;
}

export function planRestarts(i: RestartInput): { actions: RestartAction[]; unplaced: Unplaced[] } {
  const actions: RestartAction[] = [];
  const unplaced: Unplaced[] = [];
  const rooms = new Map<string, Room>();
  for (const h of i.snapshot.hosts) {
    if (!i.usable.has(h.name) || i.failedHosts.has(h.name) || h.maintenance) continue;
    const last = h.usageHistory[h.usageHistory.length - 1];
    rooms.set(h.name, {
      host: h,
      freeMem: h.memoryFreeBytes ?? h.capacity.mem - (last?.mem ?? 0),
      cpuUsed: last?.cpu ?? 0,
    });
  }
  const seen = new Set<string>();
  const candidates = i.kept
    .filter((v) => i.failedHosts.has(v.host) && v.wasRunning)
    .sort((a, b) => compare(orderKey(i, a), orderKey(i, b)));
  for (const v of candidates) {
    if (seen.has(v.uuid) || i.residentUuids.has(v.uuid)) continue; // never twice
    seen.add(v.uuid);
    const peers = storagePeers(v.host, i.sharedStorage);
    if (peers.size === 0) {
      unplaced.push({
        vm: v.name,
        from: v.host,
        reason: `${v.host} shares storage with no host (failover.sharedStorage)`,
      });
      continue;
    }
    let best: { room: Room; score: number } | undefined;
    const rejected: { candidate: string; rejected: string }[] = [];
    for (const peer of [...peers].sort()) {
      const operator = i.constraints.ignored(peer) ?? i.constraints.outsidePins(v, peer);
      if (operator) {
        rejected.push({ candidate: peer, rejected: operator });
        continue;
      }
      const room = rooms.get(peer);
      if (!room) {
        rejected.push({ candidate: peer, rejected: 'not usable (held, failed or in maintenance)' });
        continue;
      }
      const cap = room.host.capacity;
      if (room.freeMem < v.memoryBytes) {
        rejected.push({ candidate: peer, rejected: `${Math.round(room.freeMem / 2 ** 20)} MiB free` });
        continue;
      }
      const cpuAfter = cap.cpu > 0 ? (room.cpuUsed + v.cpuCores) / cap.cpu : Infinity;
      if (cpuAfter > 1) {
        rejected.push({ candidate: peer, rejected: `CPU load after ${cpuAfter.toFixed(2)} > 1` });
        continue;
      }
      const memAfter = cap.mem > 0 ? 1 - (room.freeMem - v.memoryBytes) / cap.mem : 1;
      const score = Math.max(cpuAfter, memAfter);
      if (!best || score < best.score) best = { room, score };
    }
    if (!best) {
      unplaced.push({
        vm: v.name,
        from: v.host,
        reason: `no shared-storage host has room or is allowed: ${rejected.map((r) => `${r.candidate} (${r.rejected})`).join(', ')}`,
      });
      continue;
    }
    best.room.freeMem -= v.memoryBytes;
    best.room.cpuUsed += v.cpuCores;
    const prio = Math.round(scoreOf(i, v) * 1000) / 1000;
    actions.push({
      kind: 'restart',
      vm: v.name,
      from: v.host,
      to: best.room.host.name,
      params: { uuid: v.uuid },
      reason: {
        rule: 'failover.restart',
        text:
          `${v.host} failed (exporter and libvirt heartbeat): restart ${v.name} (${v.priority?.class ?? 'normal'}, priority ${prio}) on ` +
          `${best.room.host.name}, which shares its storage and is least loaded after it (${best.score.toFixed(2)})`,
        scores: {
          priority: prio,
          loadAfter: Math.round(best.score * 1000) / 1000,
          memoryBytes: v.memoryBytes,
        },
        ...(rejected.length ? { alternatives: rejected } : {}),
      },
    });
  }
  return { actions, unplaced };
}
