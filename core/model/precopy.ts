// The one pre-copy live-migration model (SPEC §7). The planner's cost estimate
// (autoscaler/decision/migration-cost.ts), the DRS baseline and the simulator's running
// migration job (core/sim/model.ts) all use it: the estimate runs it round by round here
// (`preCopy`); the simulator advances the same per-round rule in time steps, with the
// bandwidth and dirty rate of the moment (`streamBandwidth`, `dirtiedBytes`,
// `stopAndCopyNext`). With constant inputs both give the same rounds, time and downtime
// (core/sim/migration.test.ts checks it).
//
// Round 0 sends the guest's touched memory R ≤ M (QEMU sends a never-written, zero page as a
// flag, not as 4 KiB, so a guest that touched 150 MiB of 384 costs 150 MiB; R defaults to M
// when unknown). Round i sends the pages dirtied while round i−1 was
// sent: V_i = min(D·t_{i−1}, W, M) with t_{i−1} = V_{i−1}/B, i.e. V_i = min(V_{i−1}·D/B, W, M)
// (W: writable working set, default M — a guest cannot dirty more than its memory). B is
// the link's bandwidth minus the guest's own outbound traffic on it (never below 1 MiB/s).
// Once a round would send less than the stop threshold S (and, when a maximum downtime is
// set, would take no longer than it), or once round `maxRounds` is reached, the VM is
// paused and that round is the stop-and-copy: downtime = V_last/B + C, migration time =
// Σ V_j/B + C (downtime included), where C is a fixed switch-over cost (pause, final dirty
// bitmap sync, device state, resume on the destination; default 0). The defaults below are
// calibrated on seed 004 Table 1 (core/model/precopy-calibration.ts says how), which fits
// its downtimes as last round alone (C = 0).
//
// QEMU's own stop rule is the maximum downtime alone: it stops once what is left can be sent
// within `downtime-limit` (default 300 ms, QEMU_DEFAULT_MAX_DOWNTIME_SECONDS) at the
// bandwidth it measures. With `maxDowntimeSeconds` set, the model stops on the tighter of the
// stop threshold and that rule (at 40 MiB/s and 300 ms: 12 MiB, not 48). A real cluster's C
// is learned from its own past migrations (./switchover.ts).

export const MiB = 1024 * 1024;

/** Engine parameters, calibrated on seed 004 Table 1 (see precopy-calibration.ts). */
export const PRECOPY_DEFAULTS = {
  /** Effective migration bandwidth of the paper's testbed (1 GiB VM, SPEC-CPU ≈ pure round 0). */
  bandwidthBytesPerSecond: 40 * MiB,
  stopBytes: 48 * MiB,
  maxRounds: 30,
} as const;

/** QEMU's default `downtime-limit` (migrate-set-parameters), the stop rule when vmpilot sets none. */
export const QEMU_DEFAULT_MAX_DOWNTIME_SECONDS = 0.3;

/** The slowest a migration stream goes, however much the guest's own traffic competes. */
export const MIN_STREAM_BYTES_PER_SECOND = MiB;

export interface PreCopyEngine {
  /** Link bandwidth available to migrations, bytes/second. */
  bandwidthBytesPerSecond: number;
  /** Stop-and-copy once a round would send less than this. */
  stopBytes: number;
  /** Round index at which stop-and-copy is forced (round 0 is the full copy). */
  maxRounds: number;
  /** Stop-and-copy only when the last round takes at most this long (QEMU's downtime limit). */
  maxDowntimeSeconds?: number;
  /**
   * Fixed cost of the switch-over, seconds: added to the downtime and the migration time
   * (default 0, as on the paper's testbed; a cluster's own is learned by ./switchover.ts).
   */
  switchoverSeconds?: number;
}

export interface PreCopyParams extends PreCopyEngine {
  memoryBytes: number;
  dirtyRateBytesPerSecond: number;
  /** The guest's own outbound traffic sharing the link with the migration stream. */
  competingBytesPerSecond?: number;
  /** Writable working set bound on one round's volume (default: memoryBytes). */
  wwsBytes?: number;
  /**
   * Memory the guest has touched (non-zero pages), what round 0 copies (default and upper
   * bound: memoryBytes). The planner passes the VM's footprint (core/model/footprint.ts).
   */
  touchedBytes?: number;
}

export interface PreCopyEstimate {
  /** Bytes per round, round 0 first, the stop-and-copy round last. */
  roundBytes: number[];
  /** Number of rounds, round 0 and the stop-and-copy round included. */
  rounds: number;
  transferredBytes: number;
  migrationSeconds: number;
  /** The stop-and-copy round's time plus the switch-over cost. */
  downtimeSeconds: number;
  /** The stop-and-copy round's time alone (V_last/B), without the switch-over cost. */
  stopCopySeconds: number;
  /** Stop-and-copy came from the stop threshold, not from `maxRounds`. */
  converged: boolean;
}

/**
 * Bandwidth of the migration stream: the link minus the guest's own outbound traffic, never
 * below MIN_STREAM_BYTES_PER_SECOND (or the link itself, when slower than that).
 */
export function streamBandwidth(linkBytesPerSecond: number, competingBytesPerSecond = 0): number {
  const floor = Math.min(linkBytesPerSecond, MIN_STREAM_BYTES_PER_SECOND);
  return Math.max(floor, linkBytesPerSecond - competingBytesPerSecond);
}

/** Next round's volume: what the guest dirtied while the last round was sent, bounded. */
export function dirtiedBytes(
  dirtyRateBytesPerSecond: number,
  roundSeconds: number,
  boundBytes: number,
): number {
  return Math.min(dirtyRateBytesPerSecond * roundSeconds, boundBytes);
}

/** Whether round `round`, of `bytes`, is the stop-and-copy one; `converged` when by threshold. */
export function stopAndCopyNext(
  bytes: number,
  round: number,
  bandwidthBytesPerSecond: number,
  engine: PreCopyEngine,
): { stop: boolean; converged: boolean } {
  const downtimeOk =
    engine.maxDowntimeSeconds === undefined || bytes / bandwidthBytesPerSecond <= engine.maxDowntimeSeconds;
  const converged = bytes < engine.stopBytes && downtimeOk;
  return { stop: converged || round >= engine.maxRounds, converged };
}

/** Round 0's volume: the touched memory, bounded by the memory (all of it when unknown). */
export function roundZeroBytes(memoryBytes: number, touchedBytes?: number): number {
  return touchedBytes === undefined ? memoryBytes : Math.max(0, Math.min(touchedBytes, memoryBytes));
}

/** The whole migration, round by round, with constant dirty rate and bandwidth. */
export function preCopy(p: PreCopyParams): PreCopyEstimate {
  if (!(p.bandwidthBytesPerSecond > 0)) throw new RangeError('pre-copy needs a positive bandwidth');
  const bw = streamBandwidth(p.bandwidthBytesPerSecond, p.competingBytesPerSecond);
  const bound = Math.min(p.wwsBytes ?? p.memoryBytes, p.memoryBytes);
  const roundBytes = [roundZeroBytes(p.memoryBytes, p.touchedBytes)];
  let last: { stop: boolean; converged: boolean };
  do {
    const next = dirtiedBytes(p.dirtyRateBytesPerSecond, roundBytes[roundBytes.length - 1] / bw, bound);
    roundBytes.push(next);
    last = stopAndCopyNext(next, roundBytes.length - 1, bw, p);
  } while (!last.stop);
  const transferredBytes = roundBytes.reduce((a, b) => a + b, 0);
  const switchover = Math.max(0, p.switchoverSeconds ?? 0);
  const stopCopySeconds = roundBytes[roundBytes.length - 1] / bw;
  return {
    roundBytes,
    rounds: roundBytes.length,
    transferredBytes,
    migrationSeconds: transferredBytes / bw + switchover,
    downtimeSeconds: stopCopySeconds + switchover,
    stopCopySeconds,
    converged: last.converged,
  };
}
