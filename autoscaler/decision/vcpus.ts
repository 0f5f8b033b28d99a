// vCPU hot-plug (issue 13 item 3, seed 001 capability 4): a VM whose CPU use is bounded by
// its vCPU count (it uses ≥ busyFraction of them in k of the last n observations and in
// the forecast) gets more vCPUs, up to its maxVcpus, while its host has whole idle cores;
// a VM that stays idle (its use fits in one vCPU fewer at idleFraction, in idleK of the
// last idleN observations and in the forecast) gives one back, never below minVcpus.
// Adding is bounded by the idle cores (one VM's gain is never another's loss); removing
// goes one vCPU per round, so a short lull does not strip a VM (hysteresis).
import type { ActionOf } from '../../core/model/plan';
import type { HostSnapshot } from '../../core/model/snapshot';
import type { PlannerConfig } from './config';
import type { HostView, VmView } from './points';

/** A vCPU count change the round plans for one VM. */
export interface VcpuChange {
  vm: VmView;
  from: number;
  to: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function countWhere(hist: readonly number[], test: (x: number) => boolean): number {
  let c = 0;
  for (const x of hist) if (test(x)) c++;
  return c;
}

/** The set_vcpus actions of one host, with the changes (for the pinning layout). */
export function planVcpus(
  host: HostSnapshot,
  hv: HostView,
  vms: readonly VmView[],
  cfg: PlannerConfig,
): { actions: ActionOf<'set_vcpus'>[]; changes: VcpuChange[] } {
  const hp = cfg.vcpuHotplug;
  if (!hp.enabled) return { actions: [], changes: [] };
  let idleCores = Math.floor(host.capacity.cpu - hv.demand.cpu + 1e-9);
  const actions: ActionOf<'set_vcpus'>[] = [];
  const changes: VcpuChange[] = [];
  const running = vms
    .filter((v) => v.vm.state === 'running')
    .map((v) => ({ v, cur: v.vm.allocation.vcpus ?? v.vm.vcpus }))
    // The most saturated VM first: it gets the idle cores before the others.
    .sort(
      (a, b) => b.v.observedCpu / b.cur - a.v.observedCpu / a.cur || a.v.vm.name.localeCompare(b.v.vm.name),
    );
  for (const { v, cur } of running) {
    const cpu = v.vm.usageHistory.map((u) => u.cpu);
    const max = v.vm.maxVcpus;
    const busyLine = hp.busyFraction * cur;
    const busy = countWhere(cpu.slice(-hp.n), (x) => x >= busyLine);
    if (max !== undefined && max > cur && busy >= hp.k && v.observedCpu >= busyLine) {
      // Use is censored at the vCPU count, so the true demand is unknown: grow by at most
      // the current count (doubling) per round, within the idle cores and the limit.
      const add = Math.min(max - cur, idleCores, cur);
      if (add < 1) continue;
      idleCores -= add;
      changes.push({ vm: v, from: cur, to: cur + add });
      actions.push(
        action(v, cur, cur + add, {
          rule: 'local.vcpus.add',
          text:
            `${v.vm.name} used ≥ ${Math.round(hp.busyFraction * 100)} % of its ${cur} vCPUs in ${busy} of the ` +
            `last ${Math.min(hp.n, cpu.length)} observations (forecast ${round2(v.observedCpu)} cores) and ` +
            `${host.name} has ${idleCores + add} idle cores: ${cur} → ${cur + add} vCPUs (max ${max})`,
          scores: {
            usedCores: round2(v.observedCpu),
            vcpus: cur,
            maxVcpus: max,
            idleCores: idleCores + add,
            busy,
          },
        }),
      );
      continue;
    }
    if (cur <= hp.minVcpus) continue;
    const idleLine = hp.idleFraction * (cur - 1);
    const recent = cpu.slice(-hp.idleN);
    const idle = countWhere(recent, (x) => x <= idleLine);
    if (recent.length >= hp.idleN && idle >= hp.idleK && v.observedCpu <= idleLine) {
      changes.push({ vm: v, from: cur, to: cur - 1 });
      actions.push(
        action(v, cur, cur - 1, {
          rule: 'local.vcpus.remove',
          text:
            `${v.vm.name} used ≤ ${round2(idleLine)} cores (${Math.round(hp.idleFraction * 100)} % of ` +
            `${cur - 1} vCPUs) in ${idle} of the last ${recent.length} observations (forecast ` +
            `${round2(v.observedCpu)}): ${cur} → ${cur - 1} vCPUs`,
          scores: { usedCores: round2(v.observedCpu), vcpus: cur, idle },
        }),
      );
    }
  }
  return { actions, changes };
}

function action(
  v: VmView,
  from: number,
  to: number,
  reason: ActionOf<'set_vcpus'>['reason'],
): ActionOf<'set_vcpus'> {
  return {
    kind: 'set_vcpus',
    vm: v.vm.name,
    from: v.vm.host,
    params: { count: to },
    before: { count: from },
    reason,
  };
}
