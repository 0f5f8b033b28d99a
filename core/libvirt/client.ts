// Typed libvirt operations on one connection pointer: each function does one libvirt
// job, runs blocking calls off the JS thread and frees what libvirt hands back. The
// adapter adds deadlines, validation and reconnection on top.
import { isHypervisorError } from '../hypervisor/errors';
import type { HostStats, StatGroup, VmInfo, VmStats } from '../hypervisor/port';
import {
  AFFECT_CURRENT,
  GET_ALL_DOMAINS_STATS_NOWAIT,
  METADATA_ELEMENT,
  JOB_NONE,
  NODE_CPU_STATS_ALL_CPUS,
  NODE_MEMORY_STATS_ALL_CELLS,
  VCPU_MAXIMUM,
  XML_INACTIVE,
} from './constants';
import { parseVmMetadata, VM_METADATA_URI, type VmMetadata } from '../model/vm-metadata';
import { statsFlagsOf, vmStateOf, vmStatsFromParams } from './domain-stats';
import {
  callAsync,
  cFree,
  checked,
  copyBytes,
  libvirt,
  NODE_STAT_SIZE,
  readCString,
  readPointers,
  takeCString,
  type DomainInfoValue,
  type NodeInfoValue,
  type Ptr,
} from './ffi';
import {
  decodeTypedParams,
  encodeTypedParams,
  TYPED_PARAM_SIZE,
  type TypedParamInput,
  type TypedParams,
} from './typed-params';

const KiB = 1024;
const fn = () => libvirt().fn;

// ---- host -----------------------------------------------------------------------------

export async function nodeInfo(conn: Ptr): Promise<NodeInfoValue> {
  const info: Partial<NodeInfoValue> = {};
  await checked('virNodeGetInfo', fn().virNodeGetInfo, conn, info);
  return info as NodeInfoValue;
}

export async function hostname(conn: Ptr): Promise<string> {
  return takeCString(await checked<Ptr>('virConnectGetHostname', fn().virConnectGetHostname, conn));
}

/** virNodeGetCPUStats / virNodeGetMemoryStats for all CPUs/cells; field → value. */
async function nodeStats(
  what: 'virNodeGetCPUStats' | 'virNodeGetMemoryStats',
  conn: Ptr,
): Promise<Map<string, number>> {
  const f = fn()[what];
  const which = what === 'virNodeGetCPUStats' ? NODE_CPU_STATS_ALL_CPUS : NODE_MEMORY_STATS_ALL_CELLS;
  const count = [0];
  await checked(what, f, conn, which, null, count, 0);
  const buf = Buffer.alloc(Math.max(1, count[0]) * NODE_STAT_SIZE);
  await checked(what, f, conn, which, buf, count, 0);
  const out = new Map<string, number>();
  for (let i = 0; i < count[0]; i++) {
    const base = i * NODE_STAT_SIZE;
    const end = buf.indexOf(0, base);
    const field = buf.toString('utf8', base, end >= base && end < base + 80 ? end : base + 80);
    out.set(field, Number(buf.readBigUInt64LE(base + 80)));
  }
  return out;
}

/** Host CPU time by mode in seconds (libvirt reports ns), or undefined when the driver has none. */
export async function hostCpuSeconds(conn: Ptr): Promise<Record<string, number> | undefined> {
  try {
    const stats = await nodeStats('virNodeGetCPUStats', conn);
    const out: Record<string, number> = {};
    for (const [k, v] of stats) if (k !== 'utilization') out[k] = v / 1e9;
    return out;
  } catch {
    return undefined; // the test driver has no node CPU stats
  }
}

/** Free host memory in bytes, or undefined when the driver does not report it. */
export async function hostFreeMemory(conn: Ptr): Promise<number | undefined> {
  try {
    const stats = await nodeStats('virNodeGetMemoryStats', conn);
    const free = stats.get('free');
    if (free !== undefined) return (free + (stats.get('buffers') ?? 0) + (stats.get('cached') ?? 0)) * KiB;
  } catch {
    // fall through to virNodeGetFreeMemory
  }
  const free = Number(await callAsync<number | bigint>(fn().virNodeGetFreeMemory, conn));
  return free > 0 ? free : undefined;
}

// ---- domains ----------------------------------------------------------------------------

/** Looks a domain up by name, runs `body`, and frees the domain pointer whatever happens. */
export async function withDomain<T>(conn: Ptr, name: string, body: (dom: Ptr) => Promise<T>): Promise<T> {
  const dom = await checked<Ptr>(`virDomainLookupByName(${name})`, fn().virDomainLookupByName, conn, name);
  try {
    return await body(dom);
  } finally {
    fn().virDomainFree(dom);
  }
}

export function domainName(dom: Ptr): string {
  return fn().virDomainGetName(dom) as string;
}

export function domainUuid(dom: Ptr): string {
  const buf = Buffer.alloc(37);
  if (fn().virDomainGetUUIDString(dom, buf) < 0) return '';
  return buf.toString('latin1', 0, 36);
}

export async function domainInfo(dom: Ptr): Promise<DomainInfoValue> {
  const info: Partial<DomainInfoValue> = {};
  await checked(`virDomainGetInfo(${domainName(dom)})`, fn().virDomainGetInfo, dom, info);
  return info as DomainInfoValue;
}

export async function vmInfo(dom: Ptr): Promise<VmInfo> {
  const info = await domainInfo(dom);
  const maxVcpus = await maxVcpusOf(dom);
  const meta = await metadataOf(dom);
  return {
    name: domainName(dom),
    uuid: domainUuid(dom),
    state: vmStateOf(info.state),
    vcpus: info.nrVirtCpu,
    ...(maxVcpus !== undefined ? { maxVcpus } : {}),
    ...(meta.priority !== undefined ? { priority: meta.priority } : {}),
    ...(meta.exclude !== undefined ? { exclude: meta.exclude } : {}),
    ...(meta.pinnedHosts !== undefined ? { pinnedHosts: meta.pinnedHosts } : {}),
    memoryBytes: Number(info.memory) * KiB,
    maxMemoryBytes: Number(info.maxMem) * KiB,
  };
}

/** The domain's vCPU hot-plug limit (virDomainGetVcpusFlags MAXIMUM); undefined when unreadable. */
async function maxVcpusOf(dom: Ptr): Promise<number | undefined> {
  try {
    const n = await checked<number>('virDomainGetVcpusFlags', fn().virDomainGetVcpusFlags, dom, VCPU_MAXIMUM);
    return n > 0 ? n : undefined;
  } catch (e) {
    if (isHypervisorError(e, 'unreachable')) throw e;
    return undefined; // a driver without the call: the limit is simply unknown
  }
}

/**
 * What the domain carries in vmpilot's <metadata> element (core/model/vm-metadata.ts):
 * priority, exclusion, pin set; empty when the domain has none (VIR_ERR_NO_DOMAIN_METADATA)
 * or it is malformed (config may still give each of them).
 */
async function metadataOf(dom: Ptr): Promise<VmMetadata> {
  let xml: string;
  try {
    xml = takeCString(
      await checked<Ptr>(
        'virDomainGetMetadata',
        fn().virDomainGetMetadata,
        dom,
        METADATA_ELEMENT,
        VM_METADATA_URI,
        AFFECT_CURRENT,
      ),
    );
  } catch (e) {
    if (isHypervisorError(e, 'unreachable')) throw e;
    return {};
  }
  try {
    return parseVmMetadata(xml);
  } catch {
    return {};
  }
}

/** The domain's persistent definition (XML), to start it elsewhere if its host dies. */
export async function domainXml(dom: Ptr): Promise<string> {
  return takeCString(
    await checked<Ptr>(
      `virDomainGetXMLDesc(${domainName(dom)})`,
      fn().virDomainGetXMLDesc,
      dom,
      XML_INACTIVE,
    ),
  );
}

/** Defines (or redefines) a persistent domain from XML; returns its name. */
export async function defineXml(conn: Ptr, xml: string): Promise<string> {
  const dom = await checked<Ptr>('virDomainDefineXML', fn().virDomainDefineXML, conn, xml);
  try {
    return domainName(dom);
  } finally {
    fn().virDomainFree(dom);
  }
}

export async function listDomains(conn: Ptr): Promise<VmInfo[]> {
  const out: [Ptr | null] = [null];
  const n = await checked<number>('virConnectListAllDomains', fn().virConnectListAllDomains, conn, out, 0);
  const array = out[0];
  if (!array) return [];
  const doms = readPointers(array, n);
  try {
    const infos: VmInfo[] = [];
    for (const dom of doms) {
      try {
        infos.push(await vmInfo(dom));
      } catch (e) {
        // A domain undefined between the listing and the read is simply gone.
        if (!isHypervisorError(e, 'not_found')) throw e;
      }
    }
    return infos;
  } finally {
    for (const dom of doms) fn().virDomainFree(dom);
    cFree(array);
  }
}

const nowaitRejected = new Set<Ptr>();

/**
 * One virConnectGetAllDomainStats call for every domain. NOWAIT keeps a domain that is
 * busy in a job (migration) from blocking the read; a driver that rejects the flag is
 * asked again without it (and remembered).
 */
export async function allDomainStats(
  conn: Ptr,
  host: string,
  groups: readonly StatGroup[],
  clock: () => number,
): Promise<HostStats> {
  const flags = statsFlagsOf(groups);
  const out: [Ptr | null] = [null];
  let n: number;
  try {
    const extra = nowaitRejected.has(conn) ? 0 : GET_ALL_DOMAINS_STATS_NOWAIT;
    n = await checked<number>(
      'virConnectGetAllDomainStats',
      fn().virConnectGetAllDomainStats,
      conn,
      flags,
      out,
      extra,
    );
  } catch (e) {
    if (nowaitRejected.has(conn) || !(isHypervisorError(e, 'unsupported') || isHypervisorError(e, 'invalid')))
      throw e;
    nowaitRejected.add(conn);
    n = await checked<number>(
      'virConnectGetAllDomainStats',
      fn().virConnectGetAllDomainStats,
      conn,
      flags,
      out,
      0,
    );
  }
  const collectedAtMs = clock();
  const list = out[0];
  const vms: VmStats[] = [];
  if (!list) return { host, collectedAtMs, vms };
  try {
    for (const record of readPointers(list, n)) {
      // virDomainStatsRecord: { virDomainPtr dom; virTypedParameterPtr params; int nparams; }
      const head = copyBytes(record, 20);
      const dom = head.readBigUInt64LE(0);
      const params = head.readBigUInt64LE(8);
      const nparams = head.readInt32LE(16);
      const decoded = readTypedParams(params, nparams);
      const vm = vmStatsFromParams(domainName(dom), domainUuid(dom), decoded, groups);
      await fillFromDomainInfo(dom, vm, groups);
      vms.push(vm);
    }
  } finally {
    fn().virDomainStatsRecordListFree(list); // frees the records, their params and domains
  }
  return { host, collectedAtMs, vms };
}

/** Domain states with a running guest, whose cpu and balloon values exist. */
const GUEST_RUNS = new Set<VmStats['state']>(['running', 'paused', 'blocked', 'pmsuspended']);

/**
 * A driver whose bulk answer lacks the cpu or balloon group of a running domain (libvirt's
 * test driver answers with `state.*` only) gets them from virDomainGetInfo, which every
 * driver answers: CPU time, current and maximum memory (issue 14 item 6: data, not an
 * empty success). QEMU's records carry both groups, so no extra call is made there. A
 * failing call leaves them absent: the collector then reports success 0.
 */
async function fillFromDomainInfo(dom: Ptr, vm: VmStats, groups: readonly StatGroup[]): Promise<void> {
  const needCpu = groups.includes('cpu') && vm.cpu === undefined;
  const needBalloon = groups.includes('balloon') && vm.balloon === undefined;
  if (!(needCpu || needBalloon) || !GUEST_RUNS.has(vm.state)) return;
  let info: DomainInfoValue;
  try {
    info = await domainInfo(dom);
  } catch {
    return;
  }
  if (needCpu) vm.cpu = { totalSeconds: Number(info.cpuTime) / 1e9 };
  if (needBalloon) vm.balloon = { currentBytes: info.memory * 1024, maximumBytes: info.maxMem * 1024 };
}

export function readTypedParams(params: Ptr, count: number): TypedParams {
  if (!params || count <= 0) return new Map();
  return decodeTypedParams(copyBytes(params, count * TYPED_PARAM_SIZE), count, readCString);
}

// ---- tuning ----------------------------------------------------------------------------

export async function schedulerParams(dom: Ptr): Promise<TypedParams> {
  const name = domainName(dom);
  const count = [0];
  const type = await checked<Ptr>(
    `virDomainGetSchedulerType(${name})`,
    fn().virDomainGetSchedulerType,
    dom,
    count,
  );
  cFree(type);
  const buf = Buffer.alloc(Math.max(1, count[0]) * TYPED_PARAM_SIZE);
  try {
    await checked(
      `virDomainGetSchedulerParametersFlags(${name})`,
      fn().virDomainGetSchedulerParametersFlags,
      dom,
      buf,
      count,
      AFFECT_CURRENT,
    );
  } catch (e) {
    // libvirt adds VIR_TYPED_PARAM_STRING_OKAY to the flags, which the test driver
    // refuses ("unsupported flags (0x4)"); the flag-less call reads the same values.
    if (!isHypervisorError(e, 'invalid')) throw e;
    await checked(
      `virDomainGetSchedulerParameters(${name})`,
      fn().virDomainGetSchedulerParameters,
      dom,
      buf,
      count,
    );
  }
  // Scheduler parameters are numbers only, so nothing inside `buf` needs freeing.
  return decodeTypedParams(buf, count[0], readCString);
}

export async function setSchedulerParams(dom: Ptr, params: readonly TypedParamInput[]): Promise<void> {
  const buf = encodeTypedParams(params);
  await checked(
    `virDomainSetSchedulerParametersFlags(${domainName(dom)}, ${params.map((p) => `${p.field}=${String(p.value)}`).join(', ')})`,
    fn().virDomainSetSchedulerParametersFlags,
    dom,
    buf,
    params.length,
    AFFECT_CURRENT,
  );
}

export async function setMemoryKiB(dom: Ptr, kib: number): Promise<void> {
  await checked(
    `virDomainSetMemoryFlags(${domainName(dom)}, ${kib} KiB)`,
    fn().virDomainSetMemoryFlags,
    dom,
    kib,
    AFFECT_CURRENT,
  );
}

export async function setVcpus(dom: Ptr, count: number): Promise<void> {
  await checked(
    `virDomainSetVcpusFlags(${domainName(dom)}, ${count})`,
    fn().virDomainSetVcpusFlags,
    dom,
    count,
    AFFECT_CURRENT,
  );
}

export async function pinVcpu(
  dom: Ptr,
  vcpu: number,
  cpus: readonly number[],
  hostCpus: number,
): Promise<void> {
  const map = Buffer.alloc(Math.ceil(hostCpus / 8));
  for (const c of cpus) map[c >> 3] |= 1 << (c & 7);
  await checked(
    `virDomainPinVcpuFlags(${domainName(dom)}, vcpu ${vcpu} → cpus ${cpus.join(',')})`,
    fn().virDomainPinVcpuFlags,
    dom,
    vcpu,
    map,
    map.length,
    AFFECT_CURRENT,
  );
}

/** virDomainSetBlockIoTune / virDomainSetInterfaceParameters: typed params on one device. */
async function setDeviceParams(
  api: 'virDomainSetBlockIoTune' | 'virDomainSetInterfaceParameters',
  dom: Ptr,
  device: string,
  params: readonly TypedParamInput[],
): Promise<void> {
  await checked(
    `${api}(${domainName(dom)}, ${device})`,
    fn()[api],
    dom,
    device,
    encodeTypedParams(params),
    params.length,
    AFFECT_CURRENT,
  );
}

export const setBlockIoTune = (dom: Ptr, disk: string, params: readonly TypedParamInput[]) =>
  setDeviceParams('virDomainSetBlockIoTune', dom, disk, params);

export const setInterfaceParams = (dom: Ptr, device: string, params: readonly TypedParamInput[]) =>
  setDeviceParams('virDomainSetInterfaceParameters', dom, device, params);

// ---- lifecycle -------------------------------------------------------------------------

type Lifecycle =
  'virDomainSuspend' | 'virDomainResume' | 'virDomainCreate' | 'virDomainShutdown' | 'virDomainDestroy';

export async function lifecycle(dom: Ptr, call: Lifecycle): Promise<void> {
  await checked(`${call}(${domainName(dom)})`, fn()[call], dom);
}

export async function save(dom: Ptr, path: string): Promise<void> {
  await checked(`virDomainSave(${domainName(dom)}, ${path})`, fn().virDomainSave, dom, path);
}

export async function restore(conn: Ptr, path: string): Promise<void> {
  await checked(`virDomainRestore(${path})`, fn().virDomainRestore, conn, path);
}

// ---- jobs and migration ----------------------------------------------------------------

/** Job stats of the domain's current job (or, with `completed`, its last finished one); null when none. */
export async function jobStats(dom: Ptr, completed = false): Promise<TypedParams | null> {
  const type = [0];
  const params: [Ptr | null] = [null];
  const count = [0];
  await checked(
    `virDomainGetJobStats(${domainName(dom)})`,
    fn().virDomainGetJobStats,
    dom,
    type,
    params,
    count,
    completed ? 1 : 0,
  );
  try {
    return type[0] === JOB_NONE ? null : readTypedParams(params[0] ?? 0n, count[0]);
  } finally {
    if (params[0]) fn().virTypedParamsFree(params[0], count[0]);
  }
}

export async function abortJob(dom: Ptr): Promise<void> {
  await checked(`virDomainAbortJob(${domainName(dom)})`, fn().virDomainAbortJob, dom);
}

export async function setMaxDowntime(dom: Ptr, ms: number): Promise<void> {
  await checked(
    `virDomainMigrateSetMaxDowntime(${domainName(dom)})`,
    fn().virDomainMigrateSetMaxDowntime,
    dom,
    ms,
    0,
  );
}

export async function migrateToUri3(
  dom: Ptr,
  destUri: string,
  params: readonly TypedParamInput[],
  flags: number,
): Promise<void> {
  await checked(
    `virDomainMigrateToURI3(${domainName(dom)} → ${destUri})`,
    fn().virDomainMigrateToURI3,
    dom,
    destUri,
    encodeTypedParams(params),
    params.length,
    flags,
  );
}
