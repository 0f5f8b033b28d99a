// `leader:` in vmpilot.yaml: several autoscalers elect one that acts through etcd (issue 15).
// Without it the service acts alone and keeps its journal in a file, as before.
import { z } from 'zod';
import { seconds } from '../../core/model/duration';

const etcdEndpoint = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/, 'expected an etcd client URL such as http://127.0.0.1:2379');

export const leaderConfigSchema = z
  .object({
    etcd: z
      .object({
        /** Client URLs of the etcd members (all of them: the client fails over between them). */
        endpoints: z.array(etcdEndpoint).min(1, 'at least one etcd endpoint is needed'),
        /** Client TLS; paths are relative to the config file. */
        tls: z
          .object({
            caFile: z.string().min(1),
            certFile: z.string().min(1).optional(),
            keyFile: z.string().min(1).optional(),
          })
          .strict()
          .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
            message: 'certFile and keyFile go together',
          })
          .optional(),
        /**
         * TTL of the leader's lease: a leader that cannot renew it stops acting before it can
         * expire; another takes over at most this long after a leader dies.
         */
        leaseSeconds: seconds.pipe(z.number().int().min(2).max(300)).default(10),
        /** Key prefix of this cluster's leader key and journal in etcd. */
        prefix: z
          .string()
          .regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, 'expected a key prefix such as /vmpilot')
          .default('/vmpilot'),
        /** Deadline of each etcd call. */
        callTimeoutSeconds: seconds.pipe(z.number().positive().max(60)).default(2),
      })
      .strict(),
  })
  .strict();

export type LeaderConfig = z.output<typeof leaderConfigSchema>;
export type EtcdConfig = LeaderConfig['etcd'];
