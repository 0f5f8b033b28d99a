// A simulated cluster with its observation recorder, advanced together: observations are
// taken at every multiple of `observeSeconds` of model time, so snapshots look the same
// whether the model is driven by the runner (fixed steps) or by the adapter (a clock).
import type { ClusterSnapshot } from '../model/snapshot';
import { SimCluster } from './model';
import type { Scenario } from './scenario';
import { ObservationRecorder } from './snapshot';

export class SimDriver {
  readonly model: SimCluster;
  readonly recorder: ObservationRecorder;
  private nextObservationMs: number;

  constructor(
    scenario: Scenario,
    opts: {
      startMs: number;
      speed?: number;
      seed?: number;
      keep?: number;
      /** The planner's migration horizon: span of the VMs' horizon history (default its default). */
      horizonSeconds?: number;
    },
  ) {
    this.model = new SimCluster(scenario, opts);
    this.recorder = new ObservationRecorder(scenario.observeSeconds, opts.keep ?? 10, opts.horizonSeconds);
    this.recorder.start(this.model);
    this.nextObservationMs = opts.startMs + scenario.observeSeconds * 1000;
  }

  /** Advances the model to `ms`, recording every observation boundary passed on the way. */
  advanceTo(ms: number): void {
    while (this.nextObservationMs <= ms) {
      this.model.advanceTo(this.nextObservationMs);
      this.recorder.observe(this.model);
      this.nextObservationMs += this.recorder.observeSeconds * 1000;
    }
    this.model.advanceTo(ms);
  }

  snapshot(): ClusterSnapshot {
    return this.recorder.snapshot(this.model);
  }
}
