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
] as const;

export type HoldCode = (typeof HOLD_CODES)[number];

export interface HeldHost {
  host: string;
  code: HoldCode;
  /** One line for people: what was seen, with the numbers. */
  reason: string;
}
