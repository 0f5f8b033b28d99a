// Service levels (SPEC §6, seed 001): s(x) = w + w·a(b−x)/sqrt(1+(a(b−x))²) for a
// lower-is-better SLI (response time), the mirrored form for higher-is-better ones, the
// weighted-product aggregate σ = Π S_i^{w_i}, an interpolated tabular performance profile,
// and the two-stage (exponential, then binary) search of the smallest CPU cap that keeps
// a VM at a target service level.

export interface ServiceLevelParams {
  /** Steepness. */
  a: number;
  /** Target: s(b) = w, the lowest tolerable level. */
  b: number;
  /** Half-range: s ∈ (0, 2w). */
  w: number;
}

/** Service level of a lower-is-better measurement x (e.g. response time). */
export function serviceLevel(x: number, p: ServiceLevelParams): number {
  const d = p.a * (p.b - x);
  return p.w + (p.w * d) / Math.sqrt(1 + d * d);
}

/** Service level of a higher-is-better measurement x (e.g. throughput). */
export function serviceLevelHigher(x: number, p: ServiceLevelParams): number {
  return serviceLevel(2 * p.b - x, p);
}

/** σ = Π S_i^{w_i} (weighted product; 1 for no VMs). */
export function aggregateServiceLevel(levels: readonly { level: number; weight: number }[]): number {
  let logSum = 0;
  for (const { level, weight } of levels) {
    if (level <= 0) return 0;
    logSum += weight * Math.log(level);
  }
  return Math.exp(logSum);
}

export interface ProfileRow {
  load: number;
  points: { cpuCores: number; value: number }[];
}

/** Linear interpolation over sorted (x, y) points, extrapolating from the end segments. */
export function interpolate(points: readonly { x: number; y: number }[], x: number): number {
  if (points.length === 1) return points[0].y;
  let i = 1;
  while (i < points.length - 1 && points[i].x < x) i++;
  const p0 = points[i - 1];
  const p1 = points[i];
  if (p1.x === p0.x) return p1.y;
  return p0.y + ((p1.y - p0.y) * (x - p0.x)) / (p1.x - p0.x);
}

/** SLI value the profile predicts at `cpuCores` under `load` (bilinear over cores, then load). */
export function profileValue(rows: readonly ProfileRow[], load: number, cpuCores: number): number {
  const byLoad = [...rows].sort((a, b) => a.load - b.load);
  const atCores = byLoad.map((r) => ({
    x: r.load,
    y: interpolate(
      [...r.points].sort((a, b) => a.cpuCores - b.cpuCores).map((p) => ({ x: p.cpuCores, y: p.value })),
      cpuCores,
    ),
  }));
  return Math.max(0, interpolate(atCores, load));
}

export interface CapSearch {
  /** Service level reached with `cap` cores (must be non-decreasing in cap). */
  levelAt: (cap: number) => number;
  target: number;
  /** Starting guess (e.g. the current cap or usage). */
  start: number;
  min: number;
  max: number;
  /** Stop when the bracket is narrower than this (cores). */
  tolerance: number;
}

/**
 * Seed 001 §6: from the guess, double the step up (level below target) or down (above)
 * until the target is crossed, then binary-search between the last two values. Returns the
 * smallest cap (within tolerance) meeting the target, or `max` when even that does not.
 */
export function minimumCap(s: CapSearch): { cap: number; met: boolean; evaluations: number } {
  let evaluations = 0;
  const level = (c: number) => {
    evaluations++;
    return s.levelAt(c);
  };
  const clamp = (c: number) => Math.min(s.max, Math.max(s.min, c));
  let guess = clamp(s.start);
  let lo: number;
  let hi: number;
  if (level(guess) < s.target) {
    let step = Math.max(s.tolerance, guess);
    lo = guess;
    for (;;) {
      const next = clamp(guess + step);
      if (level(next) >= s.target) {
        hi = next;
        break;
      }
      if (next >= s.max) return { cap: s.max, met: false, evaluations };
      lo = guess = next;
      step *= 2;
    }
  } else {
    let step = Math.max(s.tolerance, guess / 2);
    hi = guess;
    for (;;) {
      if (guess <= s.min) return { cap: s.min, met: true, evaluations };
      const next = clamp(guess - step);
      if (level(next) < s.target) {
        lo = next;
        break;
      }
      hi = guess = next;
      step *= 2;
    }
  }
  while (hi - lo > s.tolerance) {
    const mid = (lo + hi) / 2;
    if (level(mid) >= s.target) hi = mid;
    else lo = mid;
  }
  return { cap: hi, met: true, evaluations };
}
