// bench/lib/pool.ts: a failing item does not make the pool settle while others are in flight,
// and retry gives up with the last error after undoing each failed attempt.
import { retry, settledPool } from '../../bench/lib/pool';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('settledPool', () => {
  it('runs every item, at most `width` at a time', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await settledPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick(5);
      inFlight -= 1;
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('rejects only after the items in flight have settled, and starts no new one', async () => {
    const finished: string[] = [];
    const started: string[] = [];
    const p = settledPool(['fails', 'slow', 'later'], 2, async (name) => {
      started.push(name);
      if (name === 'fails') throw new Error('virsh create: boom');
      await tick(50);
      finished.push(name);
    });
    await expect(p).rejects.toThrow('1 of 3 items failed; first (fails): virsh create: boom');
    expect(finished).toEqual(['slow']); // the in-flight start ended before the pool settled
    expect(started).not.toContain('later');
  });
});

describe('retry', () => {
  it('returns the first success and undoes each failed attempt', async () => {
    let calls = 0;
    let undone = 0;
    const v = await retry(
      'start',
      3,
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`attempt ${calls}`);
        return 'up';
      },
      async () => {
        undone += 1;
      },
    );
    expect(v).toBe('up');
    expect(undone).toBe(2);
  });

  it('rejects with the last error after the given number of attempts', async () => {
    let calls = 0;
    await expect(
      retry('virsh create x', 2, async () => {
        calls += 1;
        throw new Error(`attempt ${calls}`);
      }),
    ).rejects.toThrow('virsh create x failed 2 times; last: attempt 2');
    expect(calls).toBe(2);
  });
});
