// Pin or share after a vCPU change (seed 002 §5: pinning beats sharing as long as the VMs'
// vCPUs fit in the host's cores). When a round changes a VM's vCPU count, the host's
// layout is re-planned: if every running VM's vCPUs (after the change) fit in the cores,
// each vCPU gets a core of its own (VMs in name order, consecutive cores); otherwise every
// vCPU may run on every core (shared). Only vCPUs whose known pinning differs are pinned
// (an unknown pinning counts as different). Contention pinning (contention.ts) takes
// precedence on a host where it acts; the planner does not call this there.
import type { ActionOf } from '../../core/model/plan';
import type { HostSnapshot } from '../../core/model/snapshot';
import type { VmView } from './points';
import type { VcpuChange } from './vcpus';

const same = (a: readonly number[] | undefined, b: readonly number[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** Host CPUs per vCPU of each running VM, after the planned changes: pinned or shared. */
export function vcpuLayout(
  host: HostSnapshot,
  vms: readonly VmView[],
  counts: ReadonlyMap<string, number>,
): { pinned: boolean; total: number; cpus: Map<string, number[][]> } {
  const running = vms
    .filter((v) => v.vm.state === 'running')
    .sort((a, b) => a.vm.name.localeCompare(b.vm.name));
  const countOf = (v: VmView) => counts.get(v.vm.name) ?? v.vm.allocation.vcpus ?? v.vm.vcpus;
  const total = running.reduce((s, v) => s + countOf(v), 0);
  const pinned = total <= host.cpus;
  const all = Array.from({ length: host.cpus }, (_, i) => i);
  const cpus = new Map<string, number[][]>();
  let next = 0;
  for (const v of running) {
    const n = countOf(v);
    cpus.set(
      v.vm.name,
      Array.from({ length: n }, () => (pinned ? [next++] : all)),
    );
  }
  return { pinned, total, cpus };
}

/** pin_vcpus actions that bring the host to its layout; empty when no vCPU count changes. */
export function planVcpuPinning(
  host: HostSnapshot,
  vms: readonly VmView[],
  changes: readonly VcpuChange[],
): ActionOf<'pin_vcpus'>[] {
  if (changes.length === 0) return [];
  const counts = new Map(changes.map((c) => [c.vm.vm.name, c.to]));
  const layout = vcpuLayout(host, vms, counts);
  const actions: ActionOf<'pin_vcpus'>[] = [];
  const text = layout.pinned
    ? `${layout.total} vCPUs fit in ${host.name}'s ${host.cpus} cores after the vCPU change: one core per vCPU (pinning beats sharing while vCPUs ≤ cores)`
    : `${layout.total} vCPUs exceed ${host.name}'s ${host.cpus} cores after the vCPU change: every vCPU shares every core`;
  for (const v of vms) {
    const want = layout.cpus.get(v.vm.name);
    if (!want) continue;
    want.forEach((cpus, vcpu) => {
      const before = v.vm.allocation.pinning?.[vcpu];
      if (same(before, cpus)) return;
      actions.push({
        kind: 'pin_vcpus',
        vm: v.vm.name,
        from: v.vm.host,
        params: { vcpu, cpus: [...cpus] },
        ...(before ? { before: { vcpu, cpus: [...before] } } : {}),
        reason: {
          rule: layout.pinned ? 'local.vcpus.pin' : 'local.vcpus.share',
          text,
          scores: { vcpus: layout.total, hostCpus: host.cpus },
        },
      });
    });
  }
  return actions;
}
