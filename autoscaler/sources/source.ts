// The metrics-source port: one cluster snapshot per round, plus the hosts that must be held
// (no action on them) and why. Adapters: Prometheus (production) and in-memory (tests,
// fed by the simulator).
import type { HeldHost, HeldVm } from '../../core/model/hold';
import type { ClusterSnapshot } from '../../core/model/snapshot';

export type { HeldHost, HeldVm } from '../../core/model/hold';

export interface Observation {
  snapshot: ClusterSnapshot;
  /** Hosts whose data is stale, partial or down; the planner must not act on them. */
  held: HeldHost[];
  /**
   * VMs without CPU or memory samples on hosts that are otherwise fine (just migrated, just
   * started): the plausibility gate counts them at their last known demand and holds them.
   */
  heldVms?: HeldVm[];
  /** Age of the newest sample in the snapshot, seconds. */
  ageSeconds: number;
  /** Optional inputs that could not be read (logged; the round goes on without them). */
  warnings?: string[];
}

/**
 * How a source computed CPU use from cumulative counters: Prometheus' rate() over a window
 * of scrapes. rate() can overstate the truth (sources/plausibility.ts rateErrorFactor), so
 * the plausibility gate allows for that error beyond the host's cores.
 */
export interface RateWindow {
  scrapeIntervalSeconds: number;
  rateWindowSeconds: number;
}

export interface MetricsSource {
  /** Observes the cluster at `now` (ms since the epoch). Rejects with MetricsSourceError. */
  observe(now: number): Promise<Observation>;
  /**
   * Set when CPU use is a rate() of counters; absent when the source's numbers are exact
   * (simulator, in-memory): the gate then allows no rate() error, only its margin.
   */
  readonly cpuRateWindow?: RateWindow;
}

/** The source could not produce a snapshot at all (e.g. Prometheus unreachable). */
export class MetricsSourceError extends Error {
  override readonly name: string = 'MetricsSourceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The source returned more series or hosts than configured to take (every host is held). */
export class TooManySeriesError extends MetricsSourceError {
  override readonly name = 'TooManySeriesError';
}
