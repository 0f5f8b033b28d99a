import { progressOf } from './job-stats';

describe('progressOf', () => {
  it('converts ms to s and dirty pages/s to bytes/s', () => {
    const p = new Map<string, number | string | boolean>([
      ['type', 2],
      ['time_elapsed', 1500],
      ['data_total', 67_108_864],
      ['data_processed', 1_000_000],
      ['data_remaining', 66_108_864],
      ['memory_dirty_rate', 100],
      ['memory_page_size', 4096],
      ['memory_iteration', 2],
    ]);
    expect(progressOf(p)).toEqual({
      elapsedSeconds: 1.5,
      dataTotalBytes: 67_108_864,
      dataProcessedBytes: 1_000_000,
      dataRemainingBytes: 66_108_864,
      memDirtyRateBytesPerSecond: 409_600,
      iteration: 2,
    });
  });

  it('leaves out what the job did not report', () => {
    expect(progressOf(new Map([['time_elapsed', 20]]))).toEqual({ elapsedSeconds: 0.02 });
  });
});
