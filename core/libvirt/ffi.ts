// Thin FFI layer over libvirt.so.0 through koffi: declarations, off-thread calls, error
// capture and pointer helpers. Nothing here knows about the port; client.ts builds on it.
//
// Pointers are koffi 3 BigInts (null for NULL). Every pointer libvirt hands back is freed
// by the caller of these helpers (virDomainFree, virDomainStatsRecordListFree,
// virTypedParamsFree, libc free for arrays and strings).
//
// Errors: libvirt keeps its last error per *thread*, and koffi's `.async` calls run on
// worker threads, so virGetLastError on the JS thread would not see them. Instead a global
// error handler (virSetErrorFunc) receives every failed public call's error; koffi runs it
// on the JS thread before the failed call's completion. It also stops libvirt's default
// handler from printing "libvirt: error : …" on stderr. With several calls failing at the
// same moment, a failure may be reported with the error of another concurrent failure;
// the code is then still a libvirt error of that moment (documented limitation).
import koffi from 'koffi';
import { HypervisorError } from '../hypervisor/errors';
import { toHypervisorError, type VirErrorInfo } from './errors';

export type Ptr = bigint;

// The types are anonymous on purpose: koffi's registry of type NAMES is process-wide,
// and a test runner that loads this module once per test file would redefine them.
const VirError = koffi.struct({
  code: 'int',
  domain: 'int',
  message: 'char *',
  level: 'int',
  conn: 'void *',
  dom: 'void *',
  str1: 'char *',
  str2: 'char *',
  str3: 'char *',
  int1: 'int',
  int2: 'int',
  net: 'void *',
});
/** void virErrorFunc(void *userData, virErrorPtr error) */
const VirErrorFunc = koffi.proto('void', ['void *', koffi.pointer(VirError)]);
/** void virEventTimeoutCallback(int timer, void *opaque) */
const VirEventTimeoutCallback = koffi.proto('void', ['int', 'void *']);

export const NodeInfo = koffi.struct({
  model: koffi.array('char', 32, 'String'),
  memory: 'unsigned long',
  cpus: 'unsigned int',
  mhz: 'unsigned int',
  nodes: 'unsigned int',
  sockets: 'unsigned int',
  cores: 'unsigned int',
  threads: 'unsigned int',
});
export interface NodeInfoValue {
  model: string;
  /** KiB */
  memory: number;
  cpus: number;
  mhz: number;
}

export const DomainInfo = koffi.struct({
  state: 'unsigned char',
  maxMem: 'unsigned long',
  memory: 'unsigned long',
  nrVirtCpu: 'unsigned short',
  cpuTime: 'unsigned long long',
});
export interface DomainInfoValue {
  state: number;
  /** KiB */
  maxMem: number;
  /** KiB */
  memory: number;
  nrVirtCpu: number;
  cpuTime: number;
}

/** Size of virNodeCPUStats / virNodeMemoryStats: char field[80]; unsigned long long value. */
export const NODE_STAT_SIZE = 88;

// koffi's function objects are untyped (`any`); `Fn` narrows them to "something callable
// with .async" and the wrappers below give every call a typed signature.
type KoffiFn = ReturnType<ReturnType<typeof koffi.load>['func']>;

function declare(lib: ReturnType<typeof koffi.load>) {
  const f = (sig: string): KoffiFn => lib.func(sig);
  return {
    virConnectOpen: f('void *virConnectOpen(const char *name)'),
    virConnectOpenReadOnly: f('void *virConnectOpenReadOnly(const char *name)'),
    virConnectClose: f('int virConnectClose(void *conn)'),
    virConnectGetHostname: f('void *virConnectGetHostname(void *conn)'),
    virConnectSetKeepAlive: f('int virConnectSetKeepAlive(void *conn, int interval, unsigned int count)'),
    virConnectIsAlive: f('int virConnectIsAlive(void *conn)'),
    virNodeGetInfo: lib.func('virNodeGetInfo', 'int', ['void *', koffi.out(koffi.pointer(NodeInfo))]),
    virNodeGetCPUStats: f(
      'int virNodeGetCPUStats(void *conn, int cpuNum, void *params, _Inout_ int *nparams, unsigned int flags)',
    ),
    virNodeGetMemoryStats: f(
      'int virNodeGetMemoryStats(void *conn, int cellNum, void *params, _Inout_ int *nparams, unsigned int flags)',
    ),
    virNodeGetFreeMemory: f('unsigned long long virNodeGetFreeMemory(void *conn)'),
    virConnectListAllDomains: f(
      'int virConnectListAllDomains(void *conn, _Out_ void **domains, unsigned int flags)',
    ),
    virConnectGetAllDomainStats: f(
      'int virConnectGetAllDomainStats(void *conn, unsigned int stats, _Out_ void **retStats, unsigned int flags)',
    ),
    virDomainStatsRecordListFree: f('void virDomainStatsRecordListFree(void *stats)'),
    virDomainLookupByName: f('void *virDomainLookupByName(void *conn, const char *name)'),
    virDomainFree: f('int virDomainFree(void *dom)'),
    virDomainGetName: f('const char *virDomainGetName(void *dom)'),
    virDomainGetUUIDString: f('int virDomainGetUUIDString(void *dom, void *buf)'),
    virDomainGetInfo: lib.func('virDomainGetInfo', 'int', ['void *', koffi.out(koffi.pointer(DomainInfo))]),
    virDomainGetSchedulerType: f('void *virDomainGetSchedulerType(void *dom, _Out_ int *nparams)'),
    virDomainGetSchedulerParametersFlags: f(
      'int virDomainGetSchedulerParametersFlags(void *dom, void *params, _Inout_ int *nparams, unsigned int flags)',
    ),
    virDomainGetSchedulerParameters: f(
      'int virDomainGetSchedulerParameters(void *dom, void *params, _Inout_ int *nparams)',
    ),
    virDomainSetSchedulerParametersFlags: f(
      'int virDomainSetSchedulerParametersFlags(void *dom, void *params, int nparams, unsigned int flags)',
    ),
    virDomainSetMemoryFlags: f(
      'int virDomainSetMemoryFlags(void *dom, unsigned long memory, unsigned int flags)',
    ),
    virDomainSetVcpusFlags: f(
      'int virDomainSetVcpusFlags(void *dom, unsigned int nvcpus, unsigned int flags)',
    ),
    virDomainPinVcpuFlags: f(
      'int virDomainPinVcpuFlags(void *dom, unsigned int vcpu, void *cpumap, int maplen, unsigned int flags)',
    ),
    virDomainSetBlockIoTune: f(
      'int virDomainSetBlockIoTune(void *dom, const char *disk, void *params, int nparams, unsigned int flags)',
    ),
    virDomainSetInterfaceParameters: f(
      'int virDomainSetInterfaceParameters(void *dom, const char *device, void *params, int nparams, unsigned int flags)',
    ),
    virDomainGetVcpusFlags: f('int virDomainGetVcpusFlags(void *dom, unsigned int flags)'),
    virDomainGetXMLDesc: f('void *virDomainGetXMLDesc(void *dom, unsigned int flags)'),
    virDomainGetMetadata: f(
      'void *virDomainGetMetadata(void *dom, int type, const char *uri, unsigned int flags)',
    ),
    virDomainDefineXML: f('void *virDomainDefineXML(void *conn, const char *xml)'),
    virDomainSuspend: f('int virDomainSuspend(void *dom)'),
    virDomainResume: f('int virDomainResume(void *dom)'),
    virDomainCreate: f('int virDomainCreate(void *dom)'),
    virDomainShutdown: f('int virDomainShutdown(void *dom)'),
    virDomainDestroy: f('int virDomainDestroy(void *dom)'),
    virDomainSave: f('int virDomainSave(void *dom, const char *to)'),
    virDomainRestore: f('int virDomainRestore(void *conn, const char *from)'),
    virDomainMigrateToURI3: f(
      'int virDomainMigrateToURI3(void *dom, const char *dconnuri, void *params, unsigned int nparams, unsigned int flags)',
    ),
    virDomainMigrateSetMaxDowntime: f(
      'int virDomainMigrateSetMaxDowntime(void *dom, unsigned long long downtime, unsigned int flags)',
    ),
    virDomainGetJobStats: f(
      'int virDomainGetJobStats(void *dom, _Out_ int *type, _Out_ void **params, _Out_ int *nparams, unsigned int flags)',
    ),
    virDomainAbortJob: f('int virDomainAbortJob(void *dom)'),
    virTypedParamsFree: f('void virTypedParamsFree(void *params, int nparams)'),
    virSetErrorFunc: lib.func('virSetErrorFunc', 'void', ['void *', koffi.pointer(VirErrorFunc)]),
    virEventRegisterDefaultImpl: f('int virEventRegisterDefaultImpl(void)'),
    virEventRunDefaultImpl: f('int virEventRunDefaultImpl(void)'),
    virEventAddTimeout: lib.func('virEventAddTimeout', 'int', [
      'int',
      koffi.pointer(VirEventTimeoutCallback),
      'void *',
      'void *',
    ]),
    virEventRemoveTimeout: f('int virEventRemoveTimeout(int timer)'),
  };
}
export type LibvirtFunctions = ReturnType<typeof declare>;

interface Loaded {
  fn: LibvirtFunctions;
  free: KoffiFn;
  /** glibc's malloc_trim, or null on a libc without it (musl). */
  mallocTrim: KoffiFn | null;
  /** Keeps the registered error handler alive for the life of the process. */
  errorHandler: unknown;
}

let loaded: Loaded | undefined;
let lastError: { seq: number; info: VirErrorInfo } | undefined;
let errorSeq = 0;

/** Loads libvirt.so.0 once (a clear `unsupported` error when it is not installed). */
export function libvirt(): Loaded {
  if (loaded) return loaded;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libvirt.so.0');
  } catch (e) {
    throw new HypervisorError('unsupported', 'libvirt.so.0 is not installed (apt-get install libvirt0)', {
      cause: e,
    });
  }
  const fn = declare(lib);
  const libc = koffi.load('libc.so.6');
  const errorHandler = koffi.register((_userData: unknown, err: unknown) => {
    if (err === null || err === undefined) return;
    const e = koffi.decode(err, VirError) as { code: number; domain: number; message: string | null };
    errorSeq += 1;
    lastError = { seq: errorSeq, info: { code: e.code, domain: e.domain, message: e.message ?? '' } };
  }, koffi.pointer(VirErrorFunc));
  fn.virSetErrorFunc(null, errorHandler);
  let mallocTrim: KoffiFn | null = null;
  try {
    mallocTrim = libc.func('int malloc_trim(size_t pad)');
  } catch {
    // not glibc: nothing to trim with
  }
  loaded = { fn, free: libc.func('void free(void *p)'), mallocTrim, errorHandler };
  return loaded;
}

/**
 * Hands the memory malloc keeps after libvirt's calls freed it back to the kernel.
 * glibc gives every thread that allocates an arena of its own; koffi runs libvirt calls on
 * worker threads, and a big reply (bulk stats of hundreds of domains, decoded from XDR)
 * leaves megabytes of free but resident pages in those arenas. malloc_trim(0) releases the
 * free pages of every arena. Runs off the JS thread; a no-op (false) unless libvirt is loaded.
 */
export async function trimNativeHeap(): Promise<boolean> {
  if (!loaded?.mallocTrim) return false;
  return (await callAsync<number>(loaded.mallocTrim, 0)) === 1;
}

/** Error-sequence mark taken before a call, to find the error that call raised. */
export function errorMark(): number {
  return errorSeq;
}

/** The error raised since `mark`, if any. */
export function errorSince(mark: number): VirErrorInfo | undefined {
  return lastError && lastError.seq > mark ? lastError.info : undefined;
}

/** Calls `fn` on a koffi worker thread (libvirt calls may block on the network). */
export function callAsync<T>(fn: KoffiFn, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn.async(...args, (err: unknown, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * Calls libvirt off-thread and checks its failure convention: NULL for pointer results,
 * -1 (any negative) for int results. Throws the mapped HypervisorError naming `what`.
 */
export async function checked<T extends Ptr | number | null>(
  what: string,
  fn: KoffiFn,
  ...args: unknown[]
): Promise<Exclude<T, null>> {
  const mark = errorMark();
  const res = await callAsync<T>(fn, ...args);
  if (res === null || (typeof res === 'number' && res < 0)) {
    throw toHypervisorError(what, errorSince(mark));
  }
  return res as Exclude<T, null>;
}

/** Copies `length` bytes of native memory at `ptr` into a JS buffer. */
export function copyBytes(ptr: Ptr, length: number): Buffer {
  if (length === 0) return Buffer.alloc(0);
  return Buffer.from(koffi.view(ptr, length).slice(0));
}

/** Reads the NUL-terminated string at `ptr`. */
export function readCString(ptr: Ptr): string {
  return koffi.decode.string(ptr);
}

/** Reads a pointer-sized value at `ptr + offset`. */
export function readPointers(ptr: Ptr, count: number): Ptr[] {
  const bytes = copyBytes(ptr, count * 8);
  const out: Ptr[] = [];
  for (let i = 0; i < count; i++) out.push(bytes.readBigUInt64LE(i * 8));
  return out;
}

/** Frees memory libvirt allocated with malloc (arrays, strings). */
export function cFree(ptr: Ptr | null): void {
  if (ptr) libvirt().free(ptr);
}

/** Reads a libvirt-allocated string and frees it. */
export function takeCString(ptr: Ptr): string {
  try {
    return readCString(ptr);
  } finally {
    cFree(ptr);
  }
}

export { VirEventTimeoutCallback };
