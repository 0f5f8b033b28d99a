// The `failover:` section of vmpilot.yaml (issue 13 item 4): when a host counts as failed,
// which hosts share storage (so a VM of one can be started on another — declared, never
// guessed), and the optional fencing command. Without a shared-storage group nothing is
// ever restarted; detection still runs and is logged.
import { z } from 'zod';
import { seconds } from '../../core/model/duration';

export const failoverConfigSchema = z
  .object({
    /**
     * A host is failed when both its exporter (`vmpilot_host_up` 0, missing or stale) and a
     * direct libvirt heartbeat say so in k of the last n checks (one check per local round,
     * T2). The detection window is n × T2.
     */
    k: z.number().int().min(1).default(3),
    n: z.number().int().min(1).default(3),
    /** Deadline of one libvirt heartbeat (getHostInfo on the host's own connection). */
    heartbeatTimeoutSeconds: seconds.pipe(z.number().positive().max(300)).default(5),
    /** Hosts whose VMs' storage every host of the group reaches (NFS, Ceph, a SAN LUN…). */
    sharedStorage: z
      .array(z.object({ name: z.string().min(1), hosts: z.array(z.string().min(1)).min(2) }).strict())
      .default([]),
    /**
     * Optional fencing hook (off by default): argv run before the first restart from a failed
     * host (`$host` in an argument is replaced by its name); a non-zero exit or a timeout
     * refuses the restarts.
     */
    fencing: z
      .object({
        command: z.array(z.string().min(1)).min(1),
        timeoutSeconds: seconds.pipe(z.number().positive().max(600)).default(30),
      })
      .strict()
      .optional(),
    /** Where the kept domain definitions live (default: JOURNAL.definitions/ beside the journal). */
    definitionsDir: z.string().min(1).optional(),
  })
  .strict()
  .refine((f) => f.k <= f.n, { message: 'k must not exceed n', path: ['k'] });

export type FailoverConfig = z.output<typeof failoverConfigSchema>;
