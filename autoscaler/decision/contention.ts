// Contention awareness (SPEC §6, seeds 002/003): classify each VM as cpu-bound,
// cache-intensive (many LLC misses per kilo-instruction) or io-bound, and pin vCPUs so
// that two cache-intensive VMs do not share a core when the host has cores enough to
// separate them (pinning beats sharing while their vCPUs fit in the cores).
import type { ActionOf } from '../../core/model/plan';
import type { HostSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import type { VmView } from './points';

export type VmClass = 'cpu-bound' | 'cache-intensive' | 'io-bound';

export interface VmTraits {
  cls: VmClass;
  cacheIntensive: boolean;
  diskHeavy: boolean;
  netHeavy: boolean;
  netRxHeavy: boolean;
  dirtyHeavy: boolean;
}

export function classifyVm(v: VmView, capacity: HostSnapshot['capacity'], cfg: PlannerConfig): VmTraits {
  const heavy = 100 * cfg.heavyShare;
  const mpki = v.vm.cacheMissesPerKiloInstruction;
  const cacheIntensive = mpki !== undefined && mpki >= cfg.cacheMpkiThreshold;
  const diskHeavy = v.vm.workload === 'disk' || v.points.disk >= heavy;
  const netHeavy = v.vm.workload === 'net' || v.points.net >= heavy;
  const rx = v.vm.netRxBytesPerSecond ?? 0;
  const tx = v.vm.netTxBytesPerSecond ?? 0;
  const netRxHeavy =
    (capacity.net > 0 && rx / capacity.net >= cfg.heavyShare) || (v.vm.workload === 'net' && rx >= tx);
  const dirtyHeavy =
    v.vm.workload === 'memory-dirty' || (v.vm.dirtyRateBytesPerSecond ?? 0) >= cfg.dirtyHeavyBytesPerSecond;
  const cls: VmClass = cacheIntensive
    ? 'cache-intensive'
    : Math.max(v.points.disk, v.points.net) > v.points.cpu
      ? 'io-bound'
      : 'cpu-bound';
  return { cls, cacheIntensive, diskHeavy, netHeavy, netRxHeavy, dirtyHeavy };
}

function sameCpus(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Pinning for one host: each cache-intensive VM's vCPUs get cores of their own (no other
 * cache-intensive VM on them); the other VMs float over the remaining cores. Nothing is
 * emitted with fewer than two cache-intensive VMs, or when their vCPUs do not fit in the
 * cores (no alternative to sharing), or for a vCPU already pinned that way.
 */
export function planPinning(
  host: HostSnapshot,
  vms: readonly VmView[],
  cfg: PlannerConfig,
): ActionOf<'pin_vcpus'>[] {
  const running = vms.filter((v) => v.vm.state === 'running');
  const traits = new Map(running.map((v) => [v.vm.name, classifyVm(v, host.capacity, cfg)]));
  const cache = running
    .filter((v) => traits.get(v.vm.name)?.cacheIntensive)
    .sort((a, b) => a.vm.name.localeCompare(b.vm.name));
  if (cache.length < 2) return [];
  const needed = cache.reduce((s, v) => s + v.vm.vcpus, 0);
  if (needed > host.cpus) return [];
  const actions: ActionOf<'pin_vcpus'>[] = [];
  let next = 0;
  for (const v of cache) {
    const cores = Array.from({ length: v.vm.vcpus }, (_, i) => next + i);
    next += v.vm.vcpus;
    for (let vcpu = 0; vcpu < v.vm.vcpus; vcpu++) {
      const cpus = [cores[vcpu]];
      if (sameCpus(v.vm.allocation.pinning?.[vcpu], cpus)) continue;
      actions.push(pinAction(v, vcpu, cpus, host.cpus, cache.length));
    }
  }
  const shared = Array.from({ length: host.cpus - next }, (_, i) => next + i);
  if (shared.length === 0) return actions;
  for (const v of running) {
    if (traits.get(v.vm.name)?.cacheIntensive) continue;
    for (let vcpu = 0; vcpu < v.vm.vcpus; vcpu++) {
      if (sameCpus(v.vm.allocation.pinning?.[vcpu], shared)) continue;
      actions.push(pinAction(v, vcpu, shared, host.cpus, cache.length));
    }
  }
  return actions;
}

function pinAction(
  v: VmView,
  vcpu: number,
  cpus: number[],
  hostCpus: number,
  cacheVms: number,
): ActionOf<'pin_vcpus'> {
  const before = v.vm.allocation.pinning?.[vcpu];
  return {
    kind: 'pin_vcpus',
    vm: v.vm.name,
    from: v.vm.host,
    params: { vcpu, cpus },
    ...(before ? { before: { vcpu, cpus: [...before] } } : {}),
    reason: {
      rule: 'local.contention.pin',
      text: `${cacheVms} cache-intensive VMs on ${hostCpus} cores: keep them off each other's cores`,
      scores: { cacheMissesPerKiloInstruction: v.vm.cacheMissesPerKiloInstruction ?? 0, cacheVms, hostCpus },
    },
  };
}
