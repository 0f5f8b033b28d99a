// Turns virDomainGetJobStats' typed parameters into the port's MigrationProgress (pure).
// libvirt reports times in ms and the dirty rate in pages/second.
import type { MigrationProgress } from '../hypervisor/port';
import type { TypedParams } from './typed-params';

export function progressOf(p: TypedParams): MigrationProgress {
  const n = (k: string) => {
    const v = p.get(k);
    return typeof v === 'number' ? v : undefined;
  };
  const pageSize = n('memory_page_size') ?? 4096;
  const dirtyPages = n('memory_dirty_rate');
  const out: MigrationProgress = { elapsedSeconds: (n('time_elapsed') ?? 0) / 1000 };
  const set = <K extends keyof MigrationProgress>(k: K, v: MigrationProgress[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('dataTotalBytes', n('data_total'));
  set('dataProcessedBytes', n('data_processed'));
  set('dataRemainingBytes', n('data_remaining'));
  set('memDirtyRateBytesPerSecond', dirtyPages === undefined ? undefined : dirtyPages * pageSize);
  set('iteration', n('memory_iteration'));
  return out;
}
