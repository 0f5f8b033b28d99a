// Coalesces concurrent calls with the same key into one in-flight promise. With a hung
// hypervisor every scrape would otherwise start one more call that never returns (piling up
// threads and memory); with this, at most one call per host and kind is ever outstanding.
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const have = this.inFlight.get(key);
    if (have) return have as Promise<T>;
    const p = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
