// The planner's configuration (zod): points weights, hotspot thresholds, forecast, loop
// periods, migration budget and guards, per-VM floors/ceilings, placement rules and
// service-level parameters. Every key has a default, so `defaultPlannerConfig()` is a
// complete, valid config; the service embeds this schema as the `planner:` section.
import { z } from 'zod';
import { seconds } from '../../core/model/duration';
import { DEFAULT_HORIZON_SECONDS } from '../../core/model/horizon-history';
import { cronError, timezoneError } from '../../core/model/migration-window';
import { PRECOPY_DEFAULTS } from '../../core/model/precopy';
import { PRIORITY_CLASSES } from '../../core/model/priority';
import { DEFAULT_STALE_INTERVALS } from '../../core/model/staleness';

const fraction = z.number().min(0).max(1);
const nonNegative = z.number().min(0);

/** A VM name or a glob over names (`*` any run of characters, `?` one character). */
const vmPattern = z.string().min(1);

/** A host name as the hypervisors report it. */
const hostName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a host name (letters, digits, . _ -)');

/** A five-field cron expression (core/model/migration-window.ts). */
const cronExpression = z.string().superRefine((s, ctx) => {
  const e = cronError(s);
  if (e) ctx.addIssue({ code: 'custom', message: `bad cron expression ${e}` });
});

const rangeSchema = z
  .object({ min: nonNegative.optional(), max: nonNegative.optional() })
  .strict()
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: 'min must not exceed max',
  });

/** Floors and ceilings of the allocations local tuning may set for the matching VMs. */
const vmLimitSchema = z
  .object({
    vm: vmPattern,
    cpuShares: rangeSchema.optional(),
    /** CPU cap in cores (a floor keeps a cap from going below; a ceiling is always applied). */
    cpuCores: rangeSchema.optional(),
    memoryBytes: rangeSchema.optional(),
    diskBytesPerSecond: rangeSchema.optional(),
    netBytesPerSecond: rangeSchema.optional(),
  })
  .strict();

/** A tabular performance profile (seed 001 §4): SLI value by CPU cores, per load level. */
const profileSchema = z
  .object({
    vm: vmPattern,
    rows: z
      .array(
        z
          .object({
            /** Load level of this row (web: requests per second). */
            load: nonNegative,
            points: z
              .array(z.object({ cpuCores: z.number().positive(), value: nonNegative }).strict())
              .min(2, 'a profile row needs at least two points'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

const resourceWeights = z
  .object({
    cpu: nonNegative.default(0.4),
    mem: nonNegative.default(0.3),
    disk: nonNegative.default(0.15),
    net: nonNegative.default(0.15),
  })
  .strict()
  .refine((w) => w.cpu + w.mem + w.disk + w.net > 0, { message: 'at least one weight must be positive' });

/** Kinds of resource two VMs should not share on one host (SPEC §7 "non-sharable"). */
export const NON_SHARABLE_KINDS = ['disk', 'cache', 'net'] as const;
export type NonSharableKind = (typeof NON_SHARABLE_KINDS)[number];

export const plannerConfigSchema = z
  .object({
    /** VMViewer points weights per resource (SPEC §4). */
    weights: resourceWeights.prefault({}),
    /** Host load above which a resource is hot. */
    high: fraction.default(0.85),
    /** Host load below which every resource must be for the host to be underloaded. */
    low: fraction.default(0.4),
    /** Overloaded when hot in at least k of the last n observations (and in the forecast). */
    k: z.number().int().min(1).default(3),
    n: z.number().int().min(1).default(5),
    forecast: z
      .object({
        method: z.enum(['ewma', 'holt']).default('ewma'),
        /** Level smoothing factor (0 < alpha ≤ 1). */
        alpha: z.number().gt(0).max(1).default(0.5),
        /** Trend smoothing factor for Holt (0 < beta ≤ 1). */
        beta: z.number().gt(0).max(1).default(0.3),
      })
      .strict()
      .prefault({}),
    /** Web VMs: the backlog (requests/throughput) raises CPU demand by at most this factor. */
    backlogBoostMax: z.number().min(1).default(4),
    /** T2: local round period in seconds. */
    t2Seconds: seconds.pipe(z.number().positive()).default(20),
    /** T1: global round period in seconds (an integral multiple of T2). */
    t1Seconds: seconds.pipe(z.number().positive()).default(120),
    maxMigrationsPerRound: z.number().int().min(0).default(1),
    /** A VM that migrated is not moved again for this long. */
    cooldownSeconds: seconds.pipe(nonNegative).default(600),
    /**
     * A VM is never moved back to a host it left within this many global rounds. Default 15
     * (30 min at the default T1): a VM does not return to a host within half an hour (issue
     * 12; `simulate` counts returns at any time and within 30 min, independently of this).
     */
    pingPongRounds: z.number().int().min(0).default(15),
    /** Local tuning emits no action for a relative change below this. */
    hysteresis: fraction.default(0.1),
    vmLimits: z.array(vmLimitSchema).default([]),
    /** VMs that talk to each other: placement prefers keeping them on one host. */
    communicationGroups: z
      .array(z.object({ name: z.string().min(1), vms: z.array(vmPattern).min(1) }).strict())
      .default([]),
    /** VMs that must stay on one host together (a move may not split them). */
    affinity: z.array(z.object({ vms: z.array(vmPattern).min(2) }).strict()).default([]),
    /** VMs that must never share a host. */
    antiAffinity: z.array(z.object({ vms: z.array(vmPattern).min(2) }).strict()).default([]),
    /** Hosts in maintenance: evacuated, never a destination (as well as hosts flagged in the snapshot). */
    maintenanceHosts: z.array(z.string().min(1)).default([]),
    /**
     * Operator constraints (issue 14; one definition: decision/constraints.ts). Hosts left
     * alone: neither a migration source nor a destination, no tuning — unlike maintenance,
     * nothing is drained (as well as hosts flagged in the snapshot, `capacity.hosts.<name>.ignored`).
     */
    ignoredHosts: z.array(hostName).default([]),
    /** VMs never migrated or re-tuned (names or globs; a domain's metadata may also exclude one). */
    exclude: z.array(vmPattern).default([]),
    /**
     * VMs that may run only on the listed hosts (the first matching entry wins over the pin set
     * in the domain's metadata); one outside its set is moved back in when a host of it fits.
     */
    pins: z
      .array(z.object({ vms: z.array(vmPattern).min(1), hosts: z.array(hostName).min(1) }).strict())
      .default([]),
    /**
     * When migrations may start: cron expressions (five fields, matched per minute, in
     * `timezone`). None: any time. Outside every window no migration is planned; local
     * tuning goes on.
     */
    migrationWindows: z
      .object({
        cron: z.array(cronExpression).default([]),
        timezone: z
          .string()
          .default('UTC')
          .superRefine((s, ctx) => {
            const e = timezoneError(s);
            if (e) ctx.addIssue({ code: 'custom', message: e });
          }),
      })
      .strict()
      .prefault({}),
    /** Resource kinds two VMs must not share on a destination when another destination exists. */
    nonSharable: z.array(z.enum(NON_SHARABLE_KINDS)).default(['disk', 'cache']),
    /** LLC misses per kilo-instruction from which a VM counts as cache-intensive. */
    cacheMpkiThreshold: z.number().positive().default(10),
    /** Share of a host resource from which a VM counts as heavy on it (disk/net-bound, net-receive-heavy). */
    heavyShare: fraction.default(0.2),
    /** Dirty rate (bytes/s) from which a VM counts as memory-dirtying. */
    dirtyHeavyBytesPerSecond: nonNegative.default(20 * 1024 ** 2),
    migration: z
      .object({
        /** Bandwidth assumed for a migration stream when estimating its cost (core/model/precopy.ts). */
        bandwidthBytesPerSecond: z.number().positive().default(PRECOPY_DEFAULTS.bandwidthBytesPerSecond),
        stopBytes: z.number().positive().default(PRECOPY_DEFAULTS.stopBytes),
        maxRounds: z.number().int().positive().default(PRECOPY_DEFAULTS.maxRounds),
        /**
         * The hypervisor's stop rule: stop-and-copy once the last round fits in this downtime
         * (QEMU's downtime-limit). Set when a service config is loaded: `applier.maxDowntimeMs`,
         * else QEMU's default 300 ms for libvirt hosts; unset for the simulator (Table 1's rule).
         */
        maxDowntimeSeconds: seconds.pipe(z.number().positive()).optional(),
        /**
         * Fixed switch-over cost of a migration, seconds (core/model/precopy.ts). Unset: the
         * service learns it from the journal's completed migrations (core/model/switchover.ts);
         * with none, 0 (Table 1's calibration).
         */
        switchoverSeconds: seconds.pipe(z.number().min(0)).optional(),
        /**
         * The applier's migration timeout: a move the model estimates longer than this is not
         * planned (it would be aborted). Set from `applier.migrationTimeoutSeconds` when a
         * service config is loaded — one setting for both.
         */
        timeoutSeconds: seconds.pipe(z.number().positive()).default(300),
        /**
         * Horizon over which a hotspot move's relief is weighed against its cost (seconds;
         * default: the cooldown, the least time a moved VM stays where it was put).
         */
        horizonSeconds: seconds.pipe(z.number().positive()).default(DEFAULT_HORIZON_SECONDS),
      })
      .strict()
      .prefault({}),
    serviceLevel: z
      .object({
        /** Steepness a of s(x). */
        a: z.number().positive().default(10),
        /** Half of the range of s(x): 0.5 gives (0, 1). */
        w: z.number().positive().default(0.5),
        /** Every VM's service level is kept at least this when possible. */
        minLevel: fraction.default(0.5),
        /** Weight of each VM in σ (by name or glob; default 1). */
        weights: z.array(z.object({ vm: vmPattern, weight: z.number().positive() }).strict()).default([]),
        profiles: z.array(profileSchema).default([]),
        /**
         * Learn each VM's profile online from its samples (issue 13): VMs without a profile
         * above get the learned one once it has a slope (decision/profile-learning.ts).
         */
        learnProfiles: z.boolean().default(false),
        /**
         * Cautious probing while learning (decision/probe.ts): a VM with an SLI and no
         * profile for its load gets, one VM per host at a time and only while the host's
         * CPU is below `high`, a cap `step` (a fraction, at least 0.1 core) below the CPU
         * it uses for `rounds` local rounds; rolled back as soon as its service level falls
         * below minLevel or by more than `tolerance`. A probed load band is not probed again
         * for `repeatAfterSeconds`. Only acts when learnProfiles is on.
         */
        probe: z
          .object({
            enabled: z.boolean().default(true),
            step: z.number().gt(0).lt(1).default(0.1),
            rounds: z.number().int().min(1).default(3),
            tolerance: fraction.default(0.1),
            repeatAfterSeconds: seconds.pipe(z.number().min(0)).default(3600),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * vCPU hot-plug (issue 13): add vCPUs to a VM whose CPU use is bounded by its vCPU count
     * (≥ busyFraction of them in k of n observations and in the forecast) while its host has
     * idle cores, up to its maxVcpus; remove one when it stays idle (its use fits in one vCPU
     * fewer at idleFraction, in idleK of idleN observations and in the forecast). Off by
     * default: it changes guests' CPU topology, which an operator opts into.
     */
    vcpuHotplug: z
      .object({
        enabled: z.boolean().default(false),
        busyFraction: fraction.default(0.9),
        k: z.number().int().min(1).default(3),
        n: z.number().int().min(1).default(5),
        idleFraction: fraction.default(0.5),
        idleK: z.number().int().min(1).default(5),
        idleN: z.number().int().min(1).default(5),
        /** Never fewer online vCPUs than this. */
        minVcpus: z.number().int().min(1).default(1),
      })
      .strict()
      .refine((h) => h.k <= h.n && h.idleK <= h.idleN, { message: 'k must not exceed n (and idleK idleN)' })
      .prefault({}),
    /**
     * VM priorities (issue 13): a class and an optional service-provider weight per VM (name
     * or glob; the first matching entry wins over the domain's own <metadata> priority).
     */
    priorities: z
      .array(
        z
          .object({
            vm: vmPattern,
            class: z.enum(PRIORITY_CLASSES),
            weight: z.number().positive().optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * Shortage handling (issue 13): when local tuning cannot keep every VM's service level ≥
     * minLevel and no migration can relieve the host, free resources from the lowest
     * priority first — caps/balloons to their floors, then suspend or save — and resume or
     * restore in priority order once room is back in k of the last n observations. Never
     * touches `critical` VMs. Off by default: it stops guests, which an operator opts into.
     */
    shortage: z
      .object({
        enabled: z.boolean().default(false),
        k: z.number().int().min(1).default(3),
        n: z.number().int().min(1).default(5),
        /** A shortage expected to last at least this long saves (to disk) instead of suspending. */
        saveAfterSeconds: seconds.pipe(z.number().positive()).default(600),
        /** Where saved images go on each host (absolute). */
        saveDirectory: z.string().startsWith('/', 'an absolute path').default('/var/lib/vmpilot/saved'),
        /** Cap floor in cores for a VM without a configured cpuCores floor (vmLimits). */
        minCapCores: z.number().positive().default(0.1),
        /** At most this many suspend/save steps per host and round (one: watch its effect first). */
        maxStopsPerRound: z.number().int().min(1).default(1),
      })
      .strict()
      .refine((s) => s.k <= s.n, { message: 'k must not exceed n' })
      .prefault({}),
    /**
     * Same switch as the top-level `dryRun` (either one turns it on; merged when the config
     * is loaded). The planner never reads it: the applier is the one gate.
     */
    dryRun: z.boolean().default(false),
    /** Same switch as the top-level `paused` (merged at load); the service holds every host. */
    paused: z.boolean().default(false),
    /** Data older than this many observation intervals is stale: the host is held. */
    staleIntervals: z.number().positive().default(DEFAULT_STALE_INTERVALS),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ratio = c.t1Seconds / c.t2Seconds;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9 || Math.round(ratio) < 1)
      ctx.addIssue({
        code: 'custom',
        path: ['t1Seconds'],
        message: `T1 (${c.t1Seconds} s) must be an integral multiple of T2 (${c.t2Seconds} s)`,
      });
    if (c.k > c.n)
      ctx.addIssue({ code: 'custom', path: ['k'], message: `k (${c.k}) must not exceed n (${c.n})` });
    if (c.low >= c.high)
      ctx.addIssue({
        code: 'custom',
        path: ['low'],
        message: `low (${c.low}) must be below high (${c.high})`,
      });
  });

export type PlannerConfigInput = z.input<typeof plannerConfigSchema>;
export type PlannerConfig = z.output<typeof plannerConfigSchema>;

/** The default config with `overrides` applied (validated; throws a ZodError naming the bad key). */
export function defaultPlannerConfig(overrides: PlannerConfigInput = {}): PlannerConfig {
  return plannerConfigSchema.parse(overrides);
}

/** `*`/`?` glob → anchored RegExp (other characters literal). */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const compiledGlobs = new Map<string, RegExp>();

/** Matches a VM name against a name or glob. */
export function matchesVm(pattern: string, vm: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === vm;
  let re = compiledGlobs.get(pattern);
  if (!re) compiledGlobs.set(pattern, (re = globToRegExp(pattern)));
  return re.test(vm);
}
