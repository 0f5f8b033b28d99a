// The cluster view's model (pure): hosts with the VMs they hold now (from the points
// series' `host` label), each VM's memory and points, hotspot hosts (a resource's summed
// points at or above the threshold: 100 points = the whole host), the migration in flight
// with its progress, and the recent moves with how much they have faded.
import type { DataFrame } from '@grafana/data';
import { RESOURCES, type Resource } from '../types';
import { migrationsFromEvents, type MigrationBar, type PanelEvent } from './events';
import { hostFilter, lastNumber, numberFields } from './frames';
import { pointsFromFrames } from './points';

export interface ClusterVm {
  vm: string;
  host: string;
  /** Configured memory in bytes (the `memory` query); undefined when not queried. */
  memoryBytes?: number;
  points: Record<Resource, number>;
  total: number;
}

export interface ClusterHost {
  name: string;
  /** Biggest VM first. */
  vms: ClusterVm[];
  memoryBytes: number;
  /** Summed points of the host's VMs per resource (100 = the whole host resource). */
  load: Record<Resource, number>;
  /** Resources at or above the hotspot threshold; a hotspot when not empty. */
  hot: Resource[];
}

export interface ClusterMove {
  id: string;
  vm: string;
  from: string;
  to: string;
  state: 'running' | 'completed' | 'failed';
  /** Of a running migration: copied share 0..1, when the remaining bytes are known. */
  progress?: number;
  /** 1 for a running or just finished move, down to 0 when it is `fadeMs` old. */
  opacity: number;
  reason: string;
}

export interface ClusterModel {
  hosts: ClusterHost[];
  moves: ClusterMove[];
}

export interface ClusterOptions {
  nowMs: number;
  /** Summed points of a resource at which a host counts as a hotspot (the planner's `high`, as points). */
  hotspotPoints: number;
  /** How long a finished move stays drawn, fading. */
  fadeMs: number;
  /** refId of the query answering the VMs' memory in bytes (labels host, domain). */
  memoryRefId: string;
  /** The panel's host filter (comma-separated; empty = all). */
  hosts?: string;
}

/** Host names in natural order: kvm-2 before kvm-10. */
const natural = new Intl.Collator(undefined, { numeric: true }).compare;

/** Latest value per label combination of the frames `pick` accepts. */
function latestBy(frames: DataFrame[], pick: (f: DataFrame) => boolean, key: (l: Record<string, string>) => string) {
  const out = new Map<string, number>();
  for (const frame of frames.filter(pick)) {
    for (const field of numberFields(frame)) {
      const v = lastNumber(field);
      const k = key(field.labels ?? {});
      if (v !== undefined && k !== '') {
        out.set(k, v);
      }
    }
  }
  return out;
}

/** Remaining bytes of running migrations per VM (vmpilot_migration_remaining_bytes{domain,from,to}). */
function remainingByVm(frames: DataFrame[]): Map<string, number> {
  return latestBy(
    frames,
    (f) => numberFields(f).some((x) => x.labels?.from !== undefined && x.labels?.to !== undefined),
    (l) => l.domain ?? ''
  );
}

function moveOf(bar: MigrationBar, o: ClusterOptions, memory: number | undefined, remaining: number | undefined) {
  const base = { id: bar.id, vm: bar.vm, from: bar.from, to: bar.to, state: bar.result, reason: bar.reason };
  if (bar.result === 'running') {
    const progress =
      memory !== undefined && memory > 0 && remaining !== undefined
        ? Math.min(1, Math.max(0, 1 - remaining / memory))
        : undefined;
    return { ...base, opacity: 1, ...(progress !== undefined ? { progress } : {}) };
  }
  const age = o.nowMs - (bar.endMs ?? bar.startMs);
  if (age < 0 || age > o.fadeMs) {
    return undefined;
  }
  return { ...base, opacity: 1 - age / o.fadeMs };
}

export function clusterFromFrames(frames: DataFrame[], events: PanelEvent[], o: ClusterOptions): ClusterModel {
  const keep = hostFilter(o.hosts ?? '');
  const memory = latestBy(
    frames,
    (f) => f.refId === o.memoryRefId,
    (l) => (l.host && l.domain ? `${l.host}/${l.domain}` : '')
  );
  const byHost = new Map<string, ClusterVm[]>();
  const host = (name: string) => {
    let vms = byHost.get(name);
    if (!vms) {
      vms = [];
      byHost.set(name, vms);
    }
    return vms;
  };
  const memoryOfVm = new Map<string, number>();
  for (const row of pointsFromFrames(frames, o.hosts ?? '')) {
    const mem = memory.get(`${row.host}/${row.vm}`);
    host(row.host).push({ ...row, ...(mem !== undefined ? { memoryBytes: mem } : {}) });
    if (mem !== undefined) {
      memoryOfVm.set(row.vm, mem);
    }
  }
  // Hosts whose VMs report memory but no points yet (or none at all) still get a column.
  for (const key of memory.keys()) {
    const name = key.slice(0, key.indexOf('/'));
    if (keep(name)) {
      host(name);
    }
  }
  const hosts: ClusterHost[] = [...byHost.entries()]
    .sort(([a], [b]) => natural(a, b))
    .map(([name, vms]) => {
      const load = { cpu: 0, mem: 0, disk: 0, net: 0 };
      for (const vm of vms) {
        for (const r of RESOURCES) {
          load[r] += vm.points[r];
        }
      }
      return {
        name,
        vms: [...vms].sort((a, b) => (b.memoryBytes ?? 0) - (a.memoryBytes ?? 0) || a.vm.localeCompare(b.vm)),
        memoryBytes: vms.reduce((s, v) => s + (v.memoryBytes ?? 0), 0),
        load,
        hot: RESOURCES.filter((r) => load[r] >= o.hotspotPoints),
      };
    });
  const shown = new Set(hosts.map((h) => h.name));
  const remaining = remainingByVm(frames);
  const moves = migrationsFromEvents(events)
    .filter((b) => shown.has(b.from) || shown.has(b.to))
    .flatMap((b) => moveOf(b, o, memoryOfVm.get(b.vm), remaining.get(b.vm)) ?? []);
  return { hosts, moves };
}

/** The VM's events, newest first (at most `limit`): what a click on it shows. */
export function vmEvents(events: PanelEvent[], vm: string, limit = 10): PanelEvent[] {
  const latest = new Map<string, PanelEvent>();
  for (const e of events) {
    if (e.vm === vm) {
      latest.set(e.id, e);
    }
  }
  return [...latest.values()].sort((a, b) => b.timeMs - a.timeMs).slice(0, limit);
}
