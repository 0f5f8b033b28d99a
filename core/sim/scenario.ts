// The scenario file schema (YAML, validated with zod; documented in scenarios/README.md).
// A scenario is the whole simulated world: hosts, VMs with their workload traces, run
// length, step, seed, SLA targets and migration engine parameters.
import { z } from 'zod';
import { PRECOPY_DEFAULTS } from '../model/precopy';
import { prioritySchema } from '../model/priority';
import { traceSchema } from './traces';
import { quantitySchema } from './units';

/** Bytes (or bytes/second): a number, or a string such as "512MiB", "2GiB", "100MB". */
export const bytesSchema = quantitySchema.pipe(z.number().min(0));

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names use letters, digits, ".", "_", "-"');

export const WORKLOADS = ['web', 'cpu', 'memory-dirty', 'disk', 'net', 'mixed'] as const;
export type SimWorkload = (typeof WORKLOADS)[number];

const hostSchema = z
  .object({
    name,
    cpus: z.number().int().positive(),
    mhz: z.number().min(0).default(2400),
    memory: bytesSchema,
    /** Memory the hypervisor itself keeps (dom0 / host OS); never given to guests. */
    reservedMemory: bytesSchema.default(256 * 1024 ** 2),
    /** Disk bandwidth shared by the host's VMs (bytes/second). */
    diskBandwidth: bytesSchema.default(200 * 1024 ** 2),
    /** NIC bandwidth per direction (bytes/second), shared by VM traffic and migrations. */
    netBandwidth: bytesSchema.default(117 * 1024 ** 2),
    maintenance: z.boolean().default(false),
    /** Left alone (issue 14): neither a migration source nor a destination, no local tuning. */
    ignored: z.boolean().default(false),
  })
  .strict();

const webSchema = z
  .object({
    /** CPU-seconds one request costs (on an unloaded, fully provisioned VM). */
    requestCpuSeconds: z.number().positive().default(0.02),
    /** Working set of the idle server. */
    baseMemory: bytesSchema.default(128 * 1024 ** 2),
    /** Extra working set per request/second of load (worker processes, caches). */
    memoryPerRps: bytesSchema.default(2 * 1024 ** 2),
    /** Response-time SLA target in seconds (default: the scenario's sla.responseTimeSeconds). */
    responseTargetSeconds: z.number().positive().optional(),
    /** Requests waiting beyond this are dropped (listen backlog + worker queue). */
    queueLimit: z.number().int().positive().default(5000),
    /** Bytes sent per response (drives the VM's network counters). */
    responseBytes: bytesSchema.default(20 * 1024),
  })
  .strict();

const demandSchema = z
  .object({
    /** web: request arrivals per second. */
    requests: traceSchema.optional(),
    /** CPU demand in cores (non-web workloads; for web it adds to the request cost). */
    cpu: traceSchema.optional(),
    /** Working-set memory in bytes (non-web workloads). */
    memory: traceSchema.optional(),
    /** Memory dirty rate in bytes/second (default from the workload's Table 1 profile). */
    dirtyRate: traceSchema.optional(),
    diskRead: traceSchema.optional(),
    diskWrite: traceSchema.optional(),
    netRx: traceSchema.optional(),
    netTx: traceSchema.optional(),
  })
  .strict();

const vmSchema = z
  .object({
    name,
    host: name,
    workload: z.enum(WORKLOADS),
    vcpus: z.number().int().positive(),
    /** Maximum vCPUs (hot-plug limit); default vcpus. */
    maxVcpus: z.number().int().positive().optional(),
    /** Maximum (configured) memory. */
    memory: bytesSchema,
    /** Initial balloon target; default the maximum. */
    balloon: bytesSchema.optional(),
    shares: z.number().int().min(2).max(262144).default(1024),
    state: z.enum(['running', 'paused', 'shutoff']).default('running'),
    web: webSchema.optional(),
    demand: demandSchema.default({}),
    /** VMs of one communication group talk to each other (planner keeps them together). */
    group: z.string().optional(),
    /** The VM's priority as its domain metadata carries it (issue 13). */
    priority: prioritySchema.optional(),
    /** The domain metadata excludes it (issue 14): never migrated or re-tuned. */
    exclude: z.boolean().optional(),
    /** The domain metadata pins it to these hosts (issue 14). */
    pinnedHosts: z.array(name).min(1).optional(),
  })
  .strict()
  .refine((v) => v.balloon === undefined || v.balloon <= v.memory, {
    message: 'balloon must not exceed memory',
    path: ['balloon'],
  })
  .refine((v) => v.maxVcpus === undefined || v.maxVcpus >= v.vcpus, {
    message: 'maxVcpus must be ≥ vcpus',
    path: ['maxVcpus'],
  })
  .refine((v) => v.workload !== 'web' || v.demand.requests !== undefined, {
    message: 'a web VM needs demand.requests',
    path: ['demand', 'requests'],
  });

export const scenarioSchema = z
  .object({
    name,
    description: z.string().default(''),
    /** Free-form place for YAML anchors (&name) that VMs reuse with *name; not read otherwise. */
    templates: z.record(z.string(), z.unknown()).optional(),
    seed: z.number().int().default(1),
    durationSeconds: z.number().positive(),
    stepSeconds: z.number().positive().default(1),
    /** Observation (scrape) interval: how often snapshots get a new sample. */
    observeSeconds: z.number().positive().default(10),
    sla: z
      .object({
        responseTimeSeconds: z.number().positive().default(1),
        /** Non-web VMs violate when they get less than this fraction of their demand. */
        deliveredFraction: z.number().min(0).max(1).default(0.9),
      })
      .strict()
      .default({ responseTimeSeconds: 1, deliveredFraction: 0.9 }),
    migration: z
      .object({
        bandwidthBytesPerSecond: bytesSchema.default(PRECOPY_DEFAULTS.bandwidthBytesPerSecond),
        stopBytes: bytesSchema.default(PRECOPY_DEFAULTS.stopBytes),
        maxRounds: z.number().int().positive().default(PRECOPY_DEFAULTS.maxRounds),
      })
      .strict()
      .default({ ...PRECOPY_DEFAULTS }),
    hosts: z.array(hostSchema).min(1),
    vms: z.array(vmSchema),
    /**
     * Host groups whose VMs' storage every host of the group reaches (issue 13): a simulation
     * declares them to the autoscaler as `failover.sharedStorage`, so a failed host's VMs can
     * be restarted on another host of its group. None: nothing is restarted.
     */
    sharedStorage: z
      .array(z.object({ name: z.string().min(1), hosts: z.array(name).min(2) }).strict())
      .default([]),
    /**
     * Hosts that fail at a scenario time (issue 13): from `atSeconds` the host and its VMs
     * are gone (the port answers `unreachable`, its VMs serve nothing); with
     * `recoverAtSeconds` it comes back with its VMs defined but shut off (stale copies).
     */
    hostFailures: z
      .array(
        z
          .object({
            host: name,
            atSeconds: z.number().min(0),
            recoverAtSeconds: z.number().positive().optional(),
          })
          .strict()
          .refine((f) => f.recoverAtSeconds === undefined || f.recoverAtSeconds > f.atSeconds, {
            message: 'recoverAtSeconds must be after atSeconds',
            path: ['recoverAtSeconds'],
          }),
      )
      .default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const hosts = new Set<string>();
    s.hosts.forEach((h, i) => {
      if (hosts.has(h.name))
        ctx.addIssue({ code: 'custom', message: `duplicate host "${h.name}"`, path: ['hosts', i, 'name'] });
      hosts.add(h.name);
    });
    const vms = new Set<string>();
    s.vms.forEach((v, i) => {
      if (vms.has(v.name))
        ctx.addIssue({ code: 'custom', message: `duplicate VM "${v.name}"`, path: ['vms', i, 'name'] });
      vms.add(v.name);
      if (!hosts.has(v.host))
        ctx.addIssue({ code: 'custom', message: `unknown host "${v.host}"`, path: ['vms', i, 'host'] });
      v.pinnedHosts?.forEach((h, j) => {
        if (!hosts.has(h))
          ctx.addIssue({
            code: 'custom',
            message: `unknown host "${h}"`,
            path: ['vms', i, 'pinnedHosts', j],
          });
      });
    });
    s.hostFailures.forEach((f, i) => {
      if (!hosts.has(f.host))
        ctx.addIssue({
          code: 'custom',
          message: `unknown host "${f.host}"`,
          path: ['hostFailures', i, 'host'],
        });
    });
    if (s.stepSeconds > s.observeSeconds)
      ctx.addIssue({
        code: 'custom',
        message: 'stepSeconds must be ≤ observeSeconds',
        path: ['stepSeconds'],
      });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type HostSpec = Scenario['hosts'][number];
export type VmSpec = Scenario['vms'][number];
export type HostFailureSpec = Scenario['hostFailures'][number];
export type WebSpec = z.infer<typeof webSchema>;
