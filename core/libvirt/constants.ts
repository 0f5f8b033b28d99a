// libvirt constants vmpilot uses (values from libvirt 9's public headers, stable ABI).

/** virTypedParameterType */
export const TypedParamType = {
  int: 1,
  uint: 2,
  llong: 3,
  ullong: 4,
  double: 5,
  boolean: 6,
  string: 7,
} as const;

/** virDomainState, indexed by value. */
export const DOMAIN_STATES = [
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
] as const;

/** virDomainStatsTypes */
export const DomainStats = {
  state: 1,
  cpu: 2,
  balloon: 4,
  vcpu: 8,
  net: 16,
  block: 32,
  perf: 64,
  dirtyrate: 512,
} as const;

/** virConnectGetAllDomainStatsFlags */
export const GET_ALL_DOMAINS_STATS_NOWAIT = 1 << 29;

/** virDomainModificationImpact: the live state when running, else the persistent config. */
export const AFFECT_CURRENT = 0;

/** virDomainVcpuFlags VIR_DOMAIN_VCPU_MAXIMUM: the hot-plug limit instead of the online count. */
export const VCPU_MAXIMUM = 4;

/** virDomainMetadataType VIR_DOMAIN_METADATA_ELEMENT: an application's own XML element, by namespace URI. */
export const METADATA_ELEMENT = 2;

/** virDomainXMLFlags VIR_DOMAIN_XML_INACTIVE: the persistent definition, not the live state. */
export const XML_INACTIVE = 2;

/** virDomainMigrateFlags */
export const Migrate = {
  live: 1,
  peerToPeer: 2,
  persistDest: 8,
  undefineSource: 16,
} as const;

/** virDomainJobType: VIR_DOMAIN_JOB_NONE */
export const JOB_NONE = 0;
/** virDomainGetJobStatsFlags: VIR_DOMAIN_JOB_STATS_COMPLETED */
export const JOB_STATS_COMPLETED = 1;

/** virNodeGetCPUStats: all CPUs together. */
export const NODE_CPU_STATS_ALL_CPUS = -1;
/** virNodeGetMemoryStats: all NUMA cells together. */
export const NODE_MEMORY_STATS_ALL_CELLS = -1;

/** virErrorNumber values the adapter maps (see errors.ts). */
export const VirErr = {
  INTERNAL_ERROR: 1,
  NO_MEMORY: 2,
  NO_SUPPORT: 3,
  UNKNOWN_HOST: 4,
  NO_CONNECT: 5,
  INVALID_CONN: 6,
  INVALID_DOMAIN: 7,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  NO_NAME: 21,
  XML_ERROR: 27,
  DOM_EXIST: 28,
  OPERATION_DENIED: 29,
  OPEN_FAILED: 30,
  XML_DETAIL: 35,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  AUTH_FAILED: 45,
  OPERATION_INVALID: 55,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  ARGUMENT_UNSUPPORTED: 74,
  OPERATION_ABORTED: 78,
  AUTH_CANCELLED: 79,
  MIGRATE_UNSAFE: 81,
  OPERATION_UNSUPPORTED: 84,
  AGENT_UNRESPONSIVE: 86,
  RESOURCE_BUSY: 87,
  ACCESS_DENIED: 88,
  XML_INVALID_SCHEMA: 92,
  AUTH_UNAVAILABLE: 94,
  DEVICE_MISSING: 99,
} as const;
