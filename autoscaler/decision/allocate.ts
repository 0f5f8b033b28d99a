// Allocation helpers of local tuning: proportional water-filling under per-VM floors and
// caps, per-VM floors/ceilings from config (names or globs, merged), and the hysteresis
// test that keeps the hypervisor from being spammed with small changes.
import { matchesVm, type PlannerConfig } from './config';

export interface Bounds {
  min: number;
  max: number;
}

export interface VmLimits {
  cpuShares: Bounds;
  cpuCores: Bounds;
  memoryBytes: Bounds;
  diskBytesPerSecond: Bounds;
  netBytesPerSecond: Bounds;
}

const OPEN: Bounds = { min: 0, max: Infinity };
type LimitKey = keyof VmLimits;
const LIMIT_KEYS: readonly LimitKey[] = [
  'cpuShares',
  'cpuCores',
  'memoryBytes',
  'diskBytesPerSecond',
  'netBytesPerSecond',
];

/** Floors and ceilings for a VM: every matching entry applies (the tightest bound wins). */
export function limitsFor(vm: string, cfg: PlannerConfig): VmLimits {
  const out = Object.fromEntries(LIMIT_KEYS.map((k) => [k, { ...OPEN }])) as unknown as VmLimits;
  for (const entry of cfg.vmLimits) {
    if (!matchesVm(entry.vm, vm)) continue;
    for (const k of LIMIT_KEYS) {
      const r = entry[k];
      if (!r) continue;
      if (r.min !== undefined) out[k].min = Math.max(out[k].min, r.min);
      if (r.max !== undefined) out[k].max = Math.min(out[k].max, r.max);
    }
  }
  return out;
}

export function clamp(x: number, b: Bounds): number {
  return Math.min(b.max, Math.max(b.min, x));
}

/** A change from `before` to `after` is worth an action (relative change ≥ hysteresis). */
export function isMaterial(before: number | undefined, after: number, hysteresis: number): boolean {
  if (before === undefined) return true;
  if (before === 0) return after !== 0;
  return Math.abs(after - before) / Math.abs(before) >= hysteresis;
}

/**
 * Splits `total` in proportion to `weights`, every share at least its floor and at most its
 * cap; what a capped share cannot take goes to the others (water-filling). When the floors
 * alone exceed the total, the floors are scaled down in proportion.
 */
export function waterfill(
  total: number,
  weights: readonly number[],
  floors: readonly number[],
  caps: readonly number[],
): number[] {
  const n = weights.length;
  const floorSum = floors.reduce((a, b) => a + b, 0);
  if (floorSum >= total) return floors.map((f) => (floorSum > 0 ? (f * total) / floorSum : 0));
  const out = [...floors];
  let left = total - floorSum;
  const open = new Set<number>();
  for (let i = 0; i < n; i++) if (caps[i] > out[i]) open.add(i);
  while (left > 1e-9 && open.size > 0) {
    let wsum = 0;
    for (const i of open) wsum += weights[i] > 0 ? weights[i] : 0;
    const even = wsum === 0;
    let given = 0;
    for (const i of [...open]) {
      const share = even ? left / open.size : (left * Math.max(0, weights[i])) / wsum;
      const take = Math.min(share, caps[i] - out[i]);
      out[i] += take;
      given += take;
      if (out[i] >= caps[i] - 1e-9 || (!even && weights[i] <= 0)) open.delete(i);
    }
    left -= given;
    if (given <= 1e-12) break;
  }
  return out;
}
