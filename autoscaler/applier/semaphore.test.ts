import { Semaphore } from './semaphore';

/** How many of `n` acquirers hold a slot once every pending hand-over has run. */
async function holders(s: Semaphore, n: number): Promise<{ held: (() => void)[]; waiting: number }> {
  const held: (() => void)[] = [];
  let waiting = n;
  for (let i = 0; i < n; i++)
    void s.acquire().then((release) => {
      held.push(release);
      waiting--;
    });
  await new Promise((r) => setImmediate(r));
  return { held, waiting };
}

describe('Semaphore', () => {
  it('bounds holders to its size and hands a released slot to the oldest waiter', async () => {
    const s = new Semaphore(2);
    const { held } = await holders(s, 3);
    expect(held).toHaveLength(2);
    held[0]();
    held[0](); // a second release of the same slot frees nothing
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(3);
  });

  it('grows at run time: waiters get the new slots at once', async () => {
    const s = new Semaphore(1);
    const { held } = await holders(s, 3);
    expect(held).toHaveLength(1);
    s.resize(3);
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(3);
  });

  it('shrinks at run time: holders keep their slots, nobody enters until enough released', async () => {
    const s = new Semaphore(3);
    const first = await holders(s, 3);
    s.resize(1);
    const later = await holders(s, 1);
    expect(later.held).toHaveLength(0);
    first.held[0]();
    first.held[1]();
    await new Promise((r) => setImmediate(r));
    expect(later.held).toHaveLength(0); // still 1 holder of 1 slot
    first.held[2]();
    await new Promise((r) => setImmediate(r));
    expect(later.held).toHaveLength(1);
    expect(() => s.resize(0)).toThrow(/≥ 1/);
  });
});
