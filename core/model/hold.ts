// Why a host is held this round (no action on it or towards it): a closed set of codes,
// each with a human text. Metrics label by `code`; logs and `plan` print `reason`. A code
// is never derived from the text.
export const HOLD_CODES = [
  /** The metrics source could not be read at all. */
  'source_down',
  /** The host's newest sample is older than `planner.staleIntervals` scrape intervals. */
  'stale',
  /** Some of the host's series are missing (a running VM without CPU/memory samples, …). */
  'partial',
  /** The exporter reports the host down, or has no `up` sample for it. */
  'host_down',
  /** The operator paused the service. */
  'paused',
  /** The hypervisor did not answer the service's direct calls. */
  'hypervisor_unreachable',
  /** The hypervisor knows the host but the metrics source has nothing on it. */
  'no_data',
  /**
   * A value the host or one of its VMs reports cannot be true (not finite, negative, CPU use
   * above the host's cores, memory above its size, a sample from the future, …).
   */
  'implausible_metrics',
  /** The metrics source returned more hosts or series than configured to take. */
  'too_many_series',
  /** The journal cannot be written (disk full, I/O error): nothing is done until it can. */
  'journal_unwritable',
  /**
   * The operator leaves the host alone (issue 14: `planner.ignoredHosts`,
   * `capacity.hosts.<name>.ignored`): neither a migration source nor a destination, no tuning.
   */
  'ignored',
] as const;

export type HoldCode = (typeof HOLD_CODES)[number];

export interface HeldHost {
  host: string;
  code: HoldCode;
  /** One line for people: what was seen, with the numbers. */
  reason: string;
}

/** Why one VM is held (no action on it) while its host stays tunable for the others. */
export const VM_HOLD_CODES = [
  /** The VM has no CPU or memory samples on its host yet (e.g. it was just migrated). */
  'no_samples',
  /**
   * The operator excluded the VM (issue 14: `planner.exclude` or its domain's metadata): never
   * migrated or re-tuned.
   */
  'excluded',
] as const;

export type VmHoldCode = (typeof VM_HOLD_CODES)[number];

export interface HeldVm {
  vm: string;
  host: string;
  code: VmHoldCode;
  /** One line for people, e.g. what demand the VM is counted at meanwhile. */
  reason: string;
}
