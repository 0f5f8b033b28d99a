// ProxLB-style balancing (gyptazy/ProxLB, the load balancer many Proxmox operators run):
// every run, each node's usage of ONE resource is computed in `used` mode (what the guests
// use now) or `assigned` mode (what they are given: vCPUs, configured memory), as a
// percentage of the node. When the spread between the most and the least used node — the
// "balanciness" — exceeds the threshold (ProxLB's default 10 points), guests of the most
// used node are moved to the least used one, biggest first, recomputing after each move,
// until the spread is within the threshold. ProxLB's default method is memory; its runs
// are scheduled (here every T1) and, as the other baselines, within the round's migration
// budget. No forecast, no hotspot persistence, no migration cost: what operators run today.
import type { Action, Plan } from '../../core/model/plan';
import type { HostSnapshot, VmSnapshot } from '../../core/model/snapshot';
import {
  freeMemory,
  footprintOf,
  heldHosts,
  latest,
  mayRunOn,
  movable,
  usableHosts,
  type BaselineInput,
} from './common';

export interface ProxLbConfig {
  method: 'memory' | 'cpu';
  mode: 'used' | 'assigned';
  /** Spread (percentage points) between the most and least used node that triggers balancing. */
  balanciness: number;
  maxMigrationsPerRound: number;
}

export const defaultProxLbConfig = (): ProxLbConfig => ({
  method: 'memory',
  mode: 'used',
  balanciness: 10,
  maxMigrationsPerRound: 1,
});

/** The guest's weight on the balanced resource, in the node's units. */
function guestAmount(v: VmSnapshot, c: ProxLbConfig): number {
  if (c.mode === 'assigned') return c.method === 'cpu' ? v.vcpus : v.memoryBytes;
  const now = latest(v.usageHistory);
  return c.method === 'cpu' ? now.cpu : now.mem;
}

function nodeCapacity(h: HostSnapshot, c: ProxLbConfig): number {
  return c.method === 'cpu' ? h.capacity.cpu : h.capacity.mem;
}

export function proxlbRound(input: BaselineInput<ProxLbConfig>): Plan {
  const { snapshot, config: c } = input;
  const held = heldHosts(input);
  const nodes = usableHosts(input).filter((h) => !h.maintenance);
  const actions: Action[] = [];
  if (nodes.length < 2) return { at: input.now, held, actions };
  const used = new Map<string, number>();
  const guests = new Map<string, VmSnapshot[]>();
  for (const h of nodes) {
    // Every running guest counts in the node's usage; only those the operator did not exclude move.
    const vms = snapshot.vms.filter((v) => v.host === h.name && v.state === 'running');
    guests.set(h.name, movable(input, h.name));
    used.set(
      h.name,
      vms.reduce((a, v) => a + guestAmount(v, c), 0),
    );
  }
  const pct = (h: HostSnapshot) => (100 * (used.get(h.name) ?? 0)) / Math.max(1e-9, nodeCapacity(h, c));
  const free = new Map(nodes.map((h) => [h.name, freeMemory(snapshot, h)]));
  const moved = new Set<string>();
  while (actions.length < c.maxMigrationsPerRound) {
    const sorted = [...nodes].sort((a, b) => pct(b) - pct(a) || a.name.localeCompare(b.name));
    const top = sorted[0];
    const bottom = sorted[sorted.length - 1];
    const spread = pct(top) - pct(bottom);
    if (spread <= c.balanciness) break;
    // Biggest guest first that fits the least used node and does not swap the two nodes' roles.
    const candidates = (guests.get(top.name) ?? [])
      .filter((v) => !moved.has(v.name))
      .sort((a, b) => guestAmount(b, c) - guestAmount(a, c) || a.name.localeCompare(b.name));
    const pick = candidates.find((v) => {
      const amount = guestAmount(v, c);
      const after = (100 * ((used.get(bottom.name) ?? 0) + amount)) / nodeCapacity(bottom, c);
      const topAfter = (100 * ((used.get(top.name) ?? 0) - amount)) / nodeCapacity(top, c);
      return (
        mayRunOn(input, v, bottom.name) &&
        footprintOf(v) <= (free.get(bottom.name) ?? 0) &&
        after < topAfter + c.balanciness &&
        amount > 0
      );
    });
    if (!pick) break;
    const amount = guestAmount(pick, c);
    used.set(top.name, (used.get(top.name) ?? 0) - amount);
    used.set(bottom.name, (used.get(bottom.name) ?? 0) + amount);
    free.set(bottom.name, (free.get(bottom.name) ?? 0) - footprintOf(pick));
    moved.add(pick.name);
    actions.push({
      kind: 'migrate',
      vm: pick.name,
      from: top.name,
      to: bottom.name,
      params: {},
      reason: {
        rule: 'proxlb.balance',
        text: `ProxLB ${c.method}/${c.mode}: balanciness ${spread.toFixed(1)} > ${c.balanciness}: move the biggest guest ${pick.name} ${top.name} → ${bottom.name}`,
        scores: { balanciness: spread, threshold: c.balanciness },
      },
    });
  }
  return { at: input.now, held, actions };
}
