// Pre-copy live-migration cost (SPEC §7): round 0 sends the memory M, round i sends what
// was dirtied during round i−1 (V_i = V_{i−1}·D/B, never more than M), stop-and-copy once
// a round is below the stop threshold or after maxRounds. Planning uses the total time and
// bytes as the migration's cost.

export interface PreCopyInput {
  memoryBytes: number;
  dirtyRateBytesPerSecond: number;
  bandwidthBytesPerSecond: number;
  stopBytes: number;
  maxRounds: number;
}

export interface PreCopyCost {
  rounds: number;
  transferredBytes: number;
  migrationSeconds: number;
  downtimeSeconds: number;
}

export function preCopyCost(p: PreCopyInput): PreCopyCost {
  if (!(p.bandwidthBytesPerSecond > 0)) throw new RangeError('migration bandwidth must be positive');
  let volume = p.memoryBytes;
  let total = volume;
  let rounds = 0;
  for (;;) {
    volume = Math.min((volume * p.dirtyRateBytesPerSecond) / p.bandwidthBytesPerSecond, p.memoryBytes);
    total += volume;
    rounds++;
    if (volume < p.stopBytes || rounds >= p.maxRounds) break;
  }
  return {
    rounds,
    transferredBytes: total,
    migrationSeconds: total / p.bandwidthBytesPerSecond,
    downtimeSeconds: volume / p.bandwidthBytesPerSecond,
  };
}
