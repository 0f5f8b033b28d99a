// The simulator's side of a live migration: the CPU it costs both hosts while it runs.
// The pre-copy rounds themselves follow the one model in core/model/precopy.ts (advanced
// step by step in model.ts), and the workloads' dirty rates and overheads are the seed 004
// Table 1 profiles of core/model/precopy-calibration.ts.

/** CPU the migration costs while it runs (cores): the sender copies and tracks dirty pages. */
export const MIGRATION_CPU_COST = { sourceCores: 0.3, destinationCores: 0.15 } as const;
