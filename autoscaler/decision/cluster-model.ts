// A forkable in-memory cluster model for planning (cf. cluster-autoscaler's snapshot with
// Fork/Revert/Commit): try a move, check the hosts' loads and tags, then revert or commit.
// Moves are recorded in an undo log, so a try costs O(resources + tags of one VM), never
// a copy of the cluster.
import type { ResourceVector } from '../../core/model/snapshot';

export interface ModelVm {
  name: string;
  host: string;
  demand: ResourceVector;
  /** Labels counted per host: non-sharable kinds, communication groups, rule memberships. */
  tags: readonly string[];
  /** Memory the VM occupies on a host (bytes), checked against a host's `memoryFree`. */
  memory?: number;
}

export interface ModelHost {
  name: string;
  capacity: ResourceVector;
  demand: ResourceVector;
  vms: Set<string>;
  tagCount: Map<string, number>;
  /** Free memory the hypervisor reports (bytes); undefined = unknown, not checked. */
  memoryFree?: number;
}

interface Move {
  vm: string;
  from: string;
  to: string;
}

export class ClusterModel {
  readonly hosts = new Map<string, ModelHost>();
  readonly vms = new Map<string, ModelVm>();
  private log: Move[] = [];

  addHost(name: string, capacity: ResourceVector, demand: ResourceVector, memoryFree?: number): void {
    this.hosts.set(name, {
      name,
      capacity,
      demand: { ...demand },
      vms: new Set(),
      tagCount: new Map(),
      memoryFree,
    });
  }

  /** Whether `host` has the memory it reports free (unknown counts as yes). */
  memoryFits(host: string): boolean {
    const free = this.host(host).memoryFree;
    return free === undefined || free >= 0;
  }

  /** Places a VM whose demand is already part of its host's demand (the model owns `vm` from now on). */
  addVm(vm: ModelVm): void {
    const h = this.host(vm.host);
    this.vms.set(vm.name, vm);
    h.vms.add(vm.name);
    for (const t of vm.tags) h.tagCount.set(t, (h.tagCount.get(t) ?? 0) + 1);
  }

  host(name: string): ModelHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`unknown host ${name}`);
    return h;
  }

  vm(name: string): ModelVm {
    const v = this.vms.get(name);
    if (!v) throw new Error(`unknown VM ${name}`);
    return v;
  }

  load(host: string): ResourceVector {
    const { demand: d, capacity: c } = this.host(host);
    const ratio = (x: number, cap: number) => (cap > 0 ? x / cap : 0);
    return {
      cpu: ratio(d.cpu, c.cpu),
      mem: ratio(d.mem, c.mem),
      disk: ratio(d.disk, c.disk),
      net: ratio(d.net, c.net),
    };
  }

  /** Highest load over resources. */
  maxLoad(host: string): number {
    const l = this.load(host);
    return Math.max(l.cpu, l.mem, l.disk, l.net);
  }

  /** How many VMs on `host` carry `tag` (optionally not counting `except`). */
  tagCount(host: string, tag: string, except?: string): number {
    const h = this.host(host);
    let n = h.tagCount.get(tag) ?? 0;
    if (except !== undefined && this.vms.get(except)?.host === host && this.vm(except).tags.includes(tag))
      n--;
    return n;
  }

  /** Moves a VM (recorded, so `revert` can undo it). */
  move(vmName: string, to: string): void {
    const v = this.vm(vmName);
    if (v.host === to) return;
    this.log.push({ vm: vmName, from: v.host, to });
    this.relocate(v, to);
  }

  /** Position in the undo log, for a later `revert(mark)`. */
  mark(): number {
    return this.log.length;
  }

  /** Undoes every move after `mark` (default: since the last commit). */
  revert(mark = 0): void {
    while (this.log.length > mark) {
      const m = this.log.pop() as Move;
      this.relocate(this.vm(m.vm), m.from);
    }
  }

  /** Keeps the moves done so far; returns them. */
  commit(): Move[] {
    const done = this.log;
    this.log = [];
    return done;
  }

  private relocate(v: ModelVm, to: string): void {
    const from = this.host(v.host);
    const dest = this.host(to);
    const d = v.demand;
    from.demand.cpu -= d.cpu;
    from.demand.mem -= d.mem;
    from.demand.disk -= d.disk;
    from.demand.net -= d.net;
    dest.demand.cpu += d.cpu;
    dest.demand.mem += d.mem;
    dest.demand.disk += d.disk;
    dest.demand.net += d.net;
    if (v.memory !== undefined) {
      if (from.memoryFree !== undefined) from.memoryFree += v.memory;
      if (dest.memoryFree !== undefined) dest.memoryFree -= v.memory;
    }
    from.vms.delete(v.name);
    dest.vms.add(v.name);
    for (const t of v.tags) {
      from.tagCount.set(t, (from.tagCount.get(t) ?? 1) - 1);
      dest.tagCount.set(t, (dest.tagCount.get(t) ?? 0) + 1);
    }
    v.host = to;
  }
}
