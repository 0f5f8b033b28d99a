// Performance profiles learned online (issue 13 item 5, seed 001 §4: "profiles can be
// measured before runtime or generated on the fly"): every round adds, per VM with an SLI,
// one sample (load, CPU cores it used, SLI value); the samples fold into the tabular
// profile the cap search reads (service-level.ts ProfileRow) — rows by load band, points by
// CPU band, each point the mean SLI of its samples. A row needs samples at two CPU bands or
// more (a slope); a VM whose samples make no such row has no learned profile yet. A point
// with a sample taken under a probe (decision/probe.ts) counts from that one sample: the
// probe held the cap on purpose, and a rollback ends it after as little as one round.
import type { ProfileRow } from './service-level';

export interface ProfileSample {
  /** Load (web: requests/s). */
  load: number;
  /** CPU cores the VM used. */
  cpuCores: number;
  /** Measured SLI value. */
  value: number;
  /** Taken while a probe held the VM's cap (decision/probe.ts). */
  probe?: true;
}

export interface LearningParams {
  /** Samples per (load band, CPU band) point before it counts. */
  minSamplesPerPoint: number;
  /** Width of a load band, relative to the band's load (0.1: ±5 %). */
  loadBand: number;
  /** Width of a CPU band in cores. */
  cpuBand: number;
}

export const DEFAULT_LEARNING: LearningParams = { minSamplesPerPoint: 3, loadBand: 0.1, cpuBand: 0.1 };

/** Band index of x on a log scale of relative width w (so bands are ±w/2 around their centre). */
const logBand = (x: number, w: number) => Math.round(Math.log(Math.max(x, 1e-6)) / Math.log1p(w));

/** The load band a load falls in (rows of a learned profile are one per band). */
export function loadBandOf(load: number, p: LearningParams = DEFAULT_LEARNING): number {
  return logBand(load, p.loadBand);
}

/** Load bands of the rows the samples support (what a probe need not ask about again). */
export function learnedBands(
  samples: readonly ProfileSample[],
  p: LearningParams = DEFAULT_LEARNING,
): Set<number> {
  return new Set((learnedRows(samples, p) ?? []).map((r) => loadBandOf(r.load, p)));
}

/** The tabular profile the samples support (undefined: not enough yet). */
export function learnedRows(
  samples: readonly ProfileSample[],
  p: LearningParams = DEFAULT_LEARNING,
): ProfileRow[] | undefined {
  const rows = new Map<
    number,
    Map<number, { load: number; cores: number; value: number; n: number; probe: boolean }>
  >();
  for (const s of samples) {
    if (!(s.load > 0) || !(s.cpuCores > 0) || !Number.isFinite(s.value)) continue;
    const lb = logBand(s.load, p.loadBand);
    const cb = Math.round(s.cpuCores / p.cpuBand);
    let row = rows.get(lb);
    if (!row) rows.set(lb, (row = new Map()));
    const pt = row.get(cb) ?? { load: 0, cores: 0, value: 0, n: 0, probe: false };
    pt.probe ||= s.probe === true;
    pt.load += s.load;
    pt.cores += s.cpuCores;
    pt.value += s.value;
    pt.n++;
    row.set(cb, pt);
  }
  const out: ProfileRow[] = [];
  for (const row of rows.values()) {
    const pts = [...row.values()].filter((x) => x.n >= p.minSamplesPerPoint || x.probe);
    if (pts.length < 2) continue;
    const n = pts.reduce((a, x) => a + x.n, 0);
    out.push({
      load: pts.reduce((a, x) => a + x.load, 0) / n,
      points: pts
        .map((x) => ({ cpuCores: x.cores / x.n, value: x.value / x.n }))
        .sort((a, b) => a.cpuCores - b.cpuCores),
    });
  }
  return out.length > 0 ? out.sort((a, b) => a.load - b.load) : undefined;
}
