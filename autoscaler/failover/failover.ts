// The service's side of restarting a failed host's VMs (issue 13 item 4):
//   check()  once per local round (T2): a libvirt heartbeat to every known host (with its
//            own deadline) beside the exporter's view from the round's held hosts, into the
//            k-of-n detector; failures and recoveries are logged once;
//   keep()   every round: the definitions of the VMs on hosts whose libvirt answers (new
//            VMs at once, all of them in global rounds), kept beside the journal;
//   plan()   in global rounds while a host is failed: the pure restart planner
//            (decision/restart.ts) on the UUIDs resident on reachable hosts now.
// The restart itself is an action like any other: the applier runs its handler
// (applier/handlers/restart.ts), which fences and checks every host by UUID again.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { HeldHost } from '../../core/model/hold';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import type { RestartOptions } from '../applier/handlers/restart';
import type { FailoverConfig } from '../config/failover';
import { planRestarts, type RestartInput, type Unplaced } from '../decision/restart';
import type { RestartAction } from '../../core/model/plan';
import type { DefinitionStore } from './definitions';
import { FailureDetector } from './detector';
import { runFence } from './fence';
import { HYPERVISOR_READ_CONCURRENCY } from '../service/enrich';

/** Held codes by which the exporter says a host is down (not "Prometheus is unreachable"). */
const EXPORTER_DOWN: ReadonlySet<string> = new Set(['host_down', 'stale', 'no_data']);
const RESIDENT: ReadonlySet<string> = new Set(['running', 'blocked', 'paused']);

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export interface FailoverOptions {
  config: FailoverConfig;
  port: HypervisorPort;
  definitions: DefinitionStore;
  log: Logger;
  clock: () => number;
  callTimeoutMs: number;
  /** Priority of a VM (higher restarts first), when configured. */
  priorityOf: (vm: string) => number | undefined;
  /** Position of a VM in the configuration (`vms:`), when listed. */
  configOrderOf: (vm: string) => number | undefined;
}

export class Failover {
  readonly detector: FailureDetector;
  private hosts: string[] = [];
  private failed = new Set<string>();
  private lastUnplaced = '';

  constructor(private readonly o: FailoverOptions) {
    this.detector = new FailureDetector(o.config.k, o.config.n);
  }

  get heartbeatTimeoutMs(): number {
    return this.o.config.heartbeatTimeoutSeconds * 1000;
  }

  failedHosts(): ReadonlySet<string> {
    return this.failed;
  }

  /** What the applier's restart handler needs. */
  restartOptions(): RestartOptions {
    const fencing = this.o.config.fencing;
    return {
      definitionOf: (uuid) => this.o.definitions.get(uuid),
      knownHosts: () => this.hosts,
      failedHosts: () => this.failed,
      heartbeatTimeoutMs: this.heartbeatTimeoutMs,
      ...(fencing
        ? { fence: (host) => runFence(fencing, host), fenceTimeoutMs: fencing.timeoutSeconds * 1000 }
        : {}),
    };
  }

  /** One detection check of every known host; returns the hosts whose libvirt answered. */
  async check(hosts: readonly string[], held: readonly HeldHost[]): Promise<Set<string>> {
    this.hosts = [...new Set([...this.hosts, ...hosts])];
    const exporterDown = new Set(held.filter((h) => EXPORTER_DOWN.has(h.code)).map((h) => h.host));
    const answered = new Set<string>();
    // Bounded like the round's read-back (enrich.ts): 500 hosts at once would queue behind
    // libuv's thread pool anyway, and each call's deadline starts when it is sent.
    const limit = pLimit(HYPERVISOR_READ_CONCURRENCY);
    await Promise.all(
      this.hosts.map((h) =>
        limit(async () => {
          try {
            await this.o.port.getHostInfo(h, { timeoutMs: this.heartbeatTimeoutMs });
            answered.add(h);
          } catch {
            // silent: counted below
          }
        }),
      ),
    );
    this.detector.record(
      this.hosts.map((h) => ({ host: h, exporterDown: exporterDown.has(h), libvirtDown: !answered.has(h) })),
    );
    const now = this.detector.failedHosts();
    for (const h of now)
      if (!this.failed.has(h))
        this.o.log.error(
          { host: h, checks: `${this.detector.downCount(h)} of ${this.o.config.n}` },
          'host failed: exporter and libvirt heartbeat both down',
        );
    for (const h of this.failed) if (!now.has(h)) this.o.log.warn({ host: h }, 'failed host answers again');
    this.failed = now;
    return answered;
  }

  /** Keeps the definitions of the VMs on the hosts that answered (`all`: re-read every one). */
  async keep(answered: ReadonlySet<string>, snapshot: ClusterSnapshot | null, all: boolean): Promise<void> {
    if (!this.o.port.getDefinition) return;
    const opts = { timeoutMs: this.o.callTimeoutMs };
    const cpuOf = new Map(
      (snapshot?.vms ?? []).map((v) => [v.name, v.usageHistory[v.usageHistory.length - 1]?.cpu ?? 0]),
    );
    for (const host of answered) {
      if (this.failed.has(host)) continue;
      try {
        for (const vm of await this.o.port.listVms(host, opts)) {
          if (!vm.uuid) continue;
          const kept = this.o.definitions.get(vm.uuid);
          const running = RESIDENT.has(vm.state);
          // A shut-off copy on another host than the one that runs it says nothing new.
          if (kept && kept.host !== host && !running) continue;
          if (kept && !all && kept.host === host && kept.wasRunning === running) continue;
          const definition = await this.o.port.getDefinition({ host, name: vm.name }, opts);
          this.o.definitions.put({
            uuid: vm.uuid,
            name: vm.name,
            host,
            vcpus: vm.vcpus,
            memoryBytes: vm.maxMemoryBytes,
            cpuCores: Math.min(cpuOf.get(vm.name) ?? 0, vm.vcpus),
            wasRunning: running,
            ...(vm.priority ? { priority: vm.priority } : {}),
            ...(vm.pinnedHosts?.length ? { pinnedHosts: [...vm.pinnedHosts] } : {}),
            definition,
            savedAtMs: this.o.clock(),
          });
        }
      } catch (e) {
        this.o.log.warn({ host, err: text(e) }, 'cannot keep VM definitions of this host this round');
      }
    }
  }

  /** Restart actions for the failed hosts' VMs (global rounds). */
  async plan(
    snapshot: ClusterSnapshot,
    usable: ReadonlySet<string>,
    constraints: RestartInput['constraints'],
  ): Promise<RestartAction[]> {
    if (this.failed.size === 0) return [];
    const resident = new Set<string>();
    for (const h of this.hosts) {
      if (this.failed.has(h)) continue;
      try {
        for (const v of await this.o.port.listVms(h, { timeoutMs: this.o.callTimeoutMs }))
          if (RESIDENT.has(v.state)) resident.add(v.uuid);
      } catch {
        // An unreachable host that is not failed yet: the handler refuses restarts while it
        // cannot be asked (it might run the VM).
      }
    }
    const { actions, unplaced } = planRestarts({
      snapshot,
      failedHosts: this.failed,
      usable,
      kept: this.o.definitions.all(),
      residentUuids: resident,
      sharedStorage: this.o.config.sharedStorage,
      priorityOf: this.o.priorityOf,
      configOrderOf: this.o.configOrderOf,
      constraints,
    });
    this.logUnplaced(unplaced);
    return actions;
  }

  private logUnplaced(unplaced: Unplaced[]): void {
    const key = unplaced.map((u) => `${u.vm}:${u.reason}`).join(';');
    if (key === this.lastUnplaced) return;
    this.lastUnplaced = key;
    for (const u of unplaced) this.o.log.warn({ vm: u.vm, host: u.from, reason: u.reason }, 'not restarted');
  }
}
