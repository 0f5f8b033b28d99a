// pollUntil: resolves with the first found value, retries throwing probes, and at the
// deadline rejects with one line naming what it waited for and the last value or error.
import { GiveUp, pollUntil } from './poll';

describe('pollUntil', () => {
  it('resolves with the first value that is not undefined, null or false', async () => {
    const seen = [undefined, null, false, 0, 7];
    let calls = 0;
    const v = await pollUntil(() => seen[calls++], { what: 'a value', intervalMs: 1 });
    expect(v).toBe(0);
    expect(calls).toBe(4);
  });

  it('accepts async probes and retries the ones that throw', async () => {
    let calls = 0;
    const v = await pollUntil(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { what: 'readiness', intervalMs: 1 },
    );
    expect(v).toBe('ready');
    expect(calls).toBe(3);
  });

  it('rejects at the deadline naming what it waited for and the last value', async () => {
    const started = Date.now();
    await expect(
      pollUntil(() => ({ n: 1 }).n > 1, { what: 'n above 1', timeoutMs: 50, intervalMs: 10 }),
    ).rejects.toThrow(/^timed out after \d+ ms waiting for n above 1 \(last value: false\)$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('reports the last error when the probe kept throwing', async () => {
    await expect(
      pollUntil(
        () => {
          throw new Error('connection refused');
        },
        { what: 'the server', timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('waiting for the server (last error: connection refused)');
  });

  it('probes at least once even with a zero deadline', async () => {
    await expect(pollUntil(() => 'now', { what: 'anything', timeoutMs: 0 })).resolves.toBe('now');
  });

  it('stops at once when the probe throws GiveUp', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      pollUntil(
        () => {
          calls += 1;
          throw new GiveUp('process exited with 1');
        },
        { what: 'the exporter', timeoutMs: 10_000 },
      ),
    ).rejects.toThrow('gave up waiting for the exporter: process exited with 1');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
