import { learnedSwitchoverSeconds, SWITCHOVER_SAMPLES, type SwitchoverSample } from './switchover';

const sample = (at: number, predicted: number, measured: number): SwitchoverSample => ({
  at,
  predictedStopCopySeconds: predicted,
  measuredDowntimeSeconds: measured,
});

describe('switch-over cost learned from past migrations', () => {
  it('is unknown without a migration', () => {
    expect(learnedSwitchoverSeconds([])).toBeUndefined();
  });

  it('is the median of measured downtime minus the predicted last round (one stalled move does not count)', () => {
    const s = [sample(1, 0, 0.164), sample(2, 0.1, 0.426), sample(3, 0.05, 0.254), sample(4, 0, 3.0)];
    // residuals 0.164, 0.326, 0.204, 3.0 → median (0.204 + 0.326) / 2
    expect(learnedSwitchoverSeconds(s)).toBeCloseTo(0.265);
  });

  it('uses only the latest samples, whatever their order', () => {
    const old = Array.from({ length: SWITCHOVER_SAMPLES }, (_, i) => sample(i, 0, 1));
    const recent = Array.from({ length: SWITCHOVER_SAMPLES }, (_, i) => sample(100 + i, 0, 0.2));
    expect(learnedSwitchoverSeconds([...recent, ...old])).toBeCloseTo(0.2);
  });

  it('is never negative (a model that over-predicts its last rounds learns 0)', () => {
    expect(learnedSwitchoverSeconds([sample(1, 1.2, 0.3), sample(2, 0.9, 0.2)])).toBe(0);
  });
});
