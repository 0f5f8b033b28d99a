// A counting semaphore: bounds concurrent migrations (default 1 per cluster). Its size may
// change while slots are held (config reload): a smaller size lets no new holder in until
// enough have released.
export class Semaphore {
  private size: number;
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(size: number) {
    Semaphore.check(size);
    this.size = size;
    this.free = size;
  }

  private static check(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`semaphore size must be ≥ 1, got ${size}`);
  }

  /** Resolves with a release function once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((res) => this.waiters.push(res));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free++;
      this.dispatch();
    };
  }

  /** New size; holders keep their slots (free may go below zero until they release). */
  resize(size: number): void {
    Semaphore.check(size);
    this.free += size - this.size;
    this.size = size;
    this.dispatch();
  }

  /** Hands free slots to waiters, oldest first. */
  private dispatch(): void {
    while (this.free > 0 && this.waiters.length > 0) {
      this.free--;
      this.waiters.shift()?.();
    }
  }
}
