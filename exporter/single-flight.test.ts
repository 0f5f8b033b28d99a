import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('joins concurrent calls with the same key and forgets them once settled', async () => {
    const f = new SingleFlight();
    let started = 0;
    let release: (v: number) => void = () => undefined;
    const work = () => {
      started++;
      return new Promise<number>((r) => (release = r));
    };
    const a = f.run('k', work);
    const b = f.run('k', work);
    expect(started).toBe(1);
    expect(f.size).toBe(1);
    release(7);
    expect(await a).toBe(7);
    expect(await b).toBe(7);
    expect(f.size).toBe(0);
    await f.run('k', async () => 1);
    expect(f.size).toBe(0);
  });

  it('forgets failed calls too', async () => {
    const f = new SingleFlight();
    await expect(f.run('k', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(f.size).toBe(0);
  });
});
