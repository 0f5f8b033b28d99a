// Progress of a running live migration, as the hypervisor reports it (libvirt's job stats)
// and as the journal keeps the last of it on the migration's event.
import { z } from 'zod';

export const migrationProgressSchema = z
  .object({
    /** Elapsed time of the job in seconds. */
    elapsedSeconds: z.number(),
    dataTotalBytes: z.number().optional(),
    dataProcessedBytes: z.number().optional(),
    dataRemainingBytes: z.number().optional(),
    memDirtyRateBytesPerSecond: z.number().optional(),
    /** Completed pre-copy iterations, when known. */
    iteration: z.number().optional(),
  })
  .meta({ id: 'MigrationProgress' });

export type MigrationProgress = z.infer<typeof migrationProgressSchema>;
