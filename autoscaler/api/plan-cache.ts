// What `GET /api/v1/plan` serves: the last computed plan with its age, and a fresh one
// computed at most once per `minIntervalMs` (T2), however many requests arrive. Concurrent
// requests share one computation; a failed computation is not cached.
import type { Plan } from '../../core/model/plan';

export interface CachedPlan {
  plan: Plan;
  /** When it was computed, ms since the epoch. */
  computedAt: number;
}

export class PlanCache {
  private last: CachedPlan | null = null;
  private running: Promise<CachedPlan> | null = null;
  /** Fresh computations started (the bound the tests check). */
  computations = 0;

  constructor(
    private readonly compute: () => Promise<Plan>,
    private minIntervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A plan computed by a round (the service's own): served until a newer one is due. */
  offer(plan: Plan): void {
    this.last = { plan, computedAt: this.clock() };
  }

  /** Config reload: a new T2. */
  setMinInterval(ms: number): void {
    this.minIntervalMs = ms;
  }

  /** Forgets the last plan (an operator change such as host maintenance makes it wrong). */
  invalidate(): void {
    this.last = null;
  }

  /** The last plan when younger than the interval, else a fresh one (shared by concurrent callers). */
  get(): Promise<CachedPlan> {
    if (this.last && this.clock() - this.last.computedAt < this.minIntervalMs)
      return Promise.resolve(this.last);
    if (this.running) return this.running;
    this.computations++;
    this.running = this.compute()
      .then((plan) => (this.last = { plan, computedAt: this.clock() }))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
