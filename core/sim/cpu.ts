// CPU division on one host, the way Linux CFS divides it between cgroups: each runnable
// VM gets capacity in proportion to its shares, never more than it wants or than its
// limit (vCPU count, CFS quota, pinned CPU set), and what one VM leaves unused is handed
// to the others (work-conserving). Pure; the same split is used for disk and network
// bandwidth with equal weights.
import { capCores } from '../model/cpu-cap';

export interface ShareClaim {
  /** What the VM would use if unconstrained (cores, or bytes/s). */
  demand: number;
  /** Relative weight (cgroup cpu.shares). */
  shares: number;
  /** Hard limit (cores: vCPUs, quota, pinning; bytes/s: I/O tune). */
  limit: number;
}

/** Water-filling proportional share: returns each claim's allocation, same order. */
export function proportionalShare(capacity: number, claims: readonly ShareClaim[]): number[] {
  const alloc = new Array<number>(claims.length).fill(0);
  const want = claims.map((c) => Math.max(0, Math.min(c.demand, c.limit)));
  let active = claims.map((_, i) => i).filter((i) => want[i] > 0 && claims[i].shares > 0);
  let remaining = Math.max(0, capacity);
  while (active.length > 0 && remaining > 1e-12) {
    const totalShares = active.reduce((s, i) => s + claims[i].shares, 0);
    const satisfied = active.filter(
      (i) => want[i] - alloc[i] <= (remaining * claims[i].shares) / totalShares,
    );
    if (satisfied.length === 0) {
      // Everyone wants more than their fair part: split what is left by shares.
      for (const i of active) alloc[i] += (remaining * claims[i].shares) / totalShares;
      remaining = 0;
      break;
    }
    for (const i of satisfied) {
      remaining -= want[i] - alloc[i];
      alloc[i] = want[i];
    }
    const done = new Set(satisfied);
    active = active.filter((i) => !done.has(i));
  }
  return alloc;
}

/** CPU limit of a VM in cores: vCPUs, the CFS quota (per vCPU, as libvirt's vcpu_quota), pinning. */
export function cpuLimitCores(
  vcpus: number,
  cap: { periodUs: number; quotaUs: number },
  pinnedCpuCount: number | undefined,
): number {
  let limit = Math.min(vcpus, capCores(cap, vcpus));
  if (pinnedCpuCount !== undefined) limit = Math.min(limit, pinnedCpuCount);
  return limit;
}
