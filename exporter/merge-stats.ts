// Joins the scrape's own stats (cheap groups, read now) with the background read of the
// expensive groups (pure). The foreground list is authoritative: a VM that is gone now is
// not resurrected from the background cache, and a new VM simply lacks the slow groups
// until the next background read.
import type { HostStats, StatGroup, VmStats } from '../core/hypervisor/port';

const FIELD_OF_GROUP: Record<StatGroup, (keyof VmStats)[]> = {
  state: [],
  cpu: ['cpu'],
  vcpu: ['vcpu'],
  balloon: ['balloon'],
  block: ['blocks'],
  net: ['nets'],
  perf: ['perf'],
  dirtyrate: ['dirtyRateBytesPerSecond'],
};

export function mergeHostStats(
  fg: HostStats,
  bg: HostStats | undefined,
  bgGroups: readonly StatGroup[],
): HostStats {
  if (!bg || bgGroups.length === 0) return fg;
  const byUuid = new Map(bg.vms.map((v) => [v.uuid, v]));
  const fields = bgGroups.flatMap((g) => FIELD_OF_GROUP[g]);
  const vms = fg.vms.map((vm) => {
    const slow = byUuid.get(vm.uuid);
    if (!slow) return vm;
    const out: VmStats = { ...vm };
    for (const f of fields) {
      if (slow[f] !== undefined) (out as unknown as Record<string, unknown>)[f] = slow[f];
    }
    return out;
  });
  return { ...fg, vms };
}
