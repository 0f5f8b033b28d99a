// Pre-copy live migration (SPEC §7), as a pure function and as the per-workload
// calibration against seed 004 Table 1.
//
// Round 0 sends the whole memory M; round i sends the pages dirtied during round i-1,
// V_i = min(V_{i-1}·D/B, W) (W: writable working set, default M — a guest cannot dirty
// more than its memory); when V_i falls below the stop threshold S, or after `maxRounds`
// rounds, the VM is paused and V_i is sent as the stop-and-copy round:
// downtime = V_last / B, migration time = Σ V_j / B (downtime included).
// The simulator's migration job (model.ts) runs the same rule step by step with the
// dirty rate and bandwidth of the moment; with constant inputs both agree.

const MiB = 1024 * 1024;

export interface PreCopyParams {
  memoryBytes: number;
  dirtyRateBytesPerSecond: number;
  /** Bandwidth available to the migration stream, bytes/second. */
  bandwidthBytesPerSecond: number;
  /** Stop-and-copy once a round would send less than this. */
  stopBytes: number;
  maxRounds: number;
  /** Writable working set bound on one round's volume (default: memoryBytes). */
  wwsBytes?: number;
}

export interface PreCopyResult {
  /** Bytes per round, round 0 first, the stop-and-copy round last. */
  rounds: number[];
  migrationSeconds: number;
  downtimeSeconds: number;
  transferredBytes: number;
}

/** Defaults of the migration engine, calibrated on seed 004 Table 1 (see MIGRATION_CALIBRATION). */
export const PRECOPY_DEFAULTS = {
  /** Effective migration bandwidth of the paper's testbed (1 GiB VM, SPEC-CPU ≈ pure round 0). */
  bandwidthBytesPerSecond: 40 * MiB,
  stopBytes: 48 * MiB,
  maxRounds: 30,
} as const;

/** Next round's volume given the previous one (the V_i recurrence). */
export function nextRoundBytes(prev: number, p: PreCopyParams): number {
  const wws = p.wwsBytes ?? p.memoryBytes;
  return Math.min((prev * p.dirtyRateBytesPerSecond) / p.bandwidthBytesPerSecond, wws, p.memoryBytes);
}

export function preCopy(p: PreCopyParams): PreCopyResult {
  if (!(p.bandwidthBytesPerSecond > 0)) throw new RangeError('pre-copy needs a positive bandwidth');
  const rounds = [p.memoryBytes];
  for (;;) {
    const next = nextRoundBytes(rounds[rounds.length - 1], p);
    rounds.push(next);
    if (next < p.stopBytes || rounds.length - 1 >= p.maxRounds) break;
  }
  const transferredBytes = rounds.reduce((a, b) => a + b, 0);
  return {
    rounds,
    migrationSeconds: transferredBytes / p.bandwidthBytesPerSecond,
    downtimeSeconds: rounds[rounds.length - 1] / p.bandwidthBytesPerSecond,
    transferredBytes,
  };
}

export interface MigrationProfile {
  /** Seed 004 Table 1 workload this profile reproduces. */
  workload: string;
  /** Dirty rate for a 1 GiB guest, bytes/second (fitted to the migration time). */
  dirtyRateBytesPerSecond: number;
  /** The workload's own network traffic that competes with the migration stream. */
  competingNetBytesPerSecond: number;
  /** Performance lost by the VM while it migrates (Table 1 "overhead"). */
  overhead: number;
  /** Table 1's measured figures. */
  measured: { migrationSeconds: number; downtimeMs: number; overheadPercent: number };
}

/**
 * One profile per Table 1 workload. Common parameters (PRECOPY_DEFAULTS, M = 1 GiB) come
 * from SPEC-CPU (nearly a pure round 0); then ONE parameter per workload, its dirty rate,
 * was grid-searched for the least combined relative error on migration time AND downtime
 * (one parameter for two figures, so the ±10 % agreement tests the model's shape).
 * WEBBENCH has a second parameter, its outbound traffic competing with the migration
 * stream (Table 1 shows a network-heavy workload slowing its own migration), so its two
 * figures are fitted exactly and prove nothing by themselves.
 */
export const MIGRATION_CALIBRATION: Record<
  'IOZONE' | 'WEBBENCH' | 'OLTP' | 'SPEC-CPU' | 'SPEC-jbb',
  MigrationProfile
> = {
  IOZONE: {
    workload: 'IOZONE',
    dirtyRateBytesPerSecond: 35.4 * MiB,
    competingNetBytesPerSecond: 0,
    overhead: 0.0793,
    measured: { migrationSeconds: 214.51, downtimeMs: 1028, overheadPercent: 7.93 },
  },
  WEBBENCH: {
    workload: 'WEBBENCH',
    dirtyRateBytesPerSecond: 1.13 * MiB,
    competingNetBytesPerSecond: 17.4 * MiB,
    overhead: 0.2903,
    measured: { migrationSeconds: 47.67, downtimeMs: 113, overheadPercent: 29.03 },
  },
  OLTP: {
    workload: 'OLTP',
    dirtyRateBytesPerSecond: 25.16 * MiB,
    competingNetBytesPerSecond: 0,
    overhead: 0.3326,
    measured: { migrationSeconds: 69.32, downtimeMs: 998, overheadPercent: 33.26 },
  },
  'SPEC-CPU': {
    workload: 'SPEC-CPU',
    dirtyRateBytesPerSecond: 2.34 * MiB,
    competingNetBytesPerSecond: 0,
    overhead: 0.0331,
    measured: { migrationSeconds: 26.69, downtimeMs: 88, overheadPercent: 3.31 },
  },
  'SPEC-jbb': {
    workload: 'SPEC-jbb',
    dirtyRateBytesPerSecond: 3.81 * MiB,
    competingNetBytesPerSecond: 0,
    overhead: 0.0829,
    measured: { migrationSeconds: 31.25, downtimeMs: 232, overheadPercent: 8.29 },
  },
};

/** Migration time and downtime the model predicts for a Table 1 workload on the paper's testbed. */
export function predictTable1(name: keyof typeof MIGRATION_CALIBRATION): PreCopyResult {
  const p = MIGRATION_CALIBRATION[name];
  return preCopy({
    memoryBytes: 1024 * MiB,
    dirtyRateBytesPerSecond: p.dirtyRateBytesPerSecond,
    bandwidthBytesPerSecond: PRECOPY_DEFAULTS.bandwidthBytesPerSecond - p.competingNetBytesPerSecond,
    stopBytes: PRECOPY_DEFAULTS.stopBytes,
    maxRounds: PRECOPY_DEFAULTS.maxRounds,
  });
}

/** CPU the migration costs while it runs (cores): the sender copies and tracks dirty pages. */
export const MIGRATION_CPU_COST = { sourceCores: 0.3, destinationCores: 0.15 } as const;
