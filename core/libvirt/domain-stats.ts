// Turns one virDomainStatsRecord's typed parameters into the port's VmStats (pure).
// libvirt reports times in ns and balloon sizes in KiB; the port uses seconds and bytes.
import type { BlockStat, NetStat, StatGroup, VmStats, VmState } from '../hypervisor/port';
import { DOMAIN_STATES, DomainStats } from './constants';
import { num, str, type TypedParams } from './typed-params';

const NS = 1e-9;
const KiB = 1024;

/** VIR_DOMAIN_STATS_* bits for the requested groups (state is always read). */
export function statsFlagsOf(groups: readonly StatGroup[]): number {
  let flags: number = DomainStats.state;
  for (const g of groups) flags |= DomainStats[g];
  return flags;
}

export function vmStateOf(code: number | undefined): VmState {
  return DOMAIN_STATES[code ?? 0] ?? 'nostate';
}

const scaled = (v: number | undefined, factor: number) => (v === undefined ? undefined : v * factor);

/** Drops keys whose value is undefined, so absent stats stay absent. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function vmStatsFromParams(
  name: string,
  uuid: string,
  p: TypedParams,
  groups: readonly StatGroup[],
): VmStats {
  const want = new Set(groups);
  const out: VmStats = { name, uuid, state: vmStateOf(num(p, 'state.state')) };

  const cpuTime = num(p, 'cpu.time');
  if (want.has('cpu') && cpuTime !== undefined) {
    out.cpu = defined({
      totalSeconds: cpuTime * NS,
      userSeconds: scaled(num(p, 'cpu.user'), NS),
      systemSeconds: scaled(num(p, 'cpu.system'), NS),
    });
  }

  const vcpuCurrent = num(p, 'vcpu.current');
  if (want.has('vcpu') && vcpuCurrent !== undefined) {
    const maximum = num(p, 'vcpu.maximum') ?? vcpuCurrent;
    const perVcpu = [];
    for (let id = 0; id < maximum; id++) {
      const state = num(p, `vcpu.${id}.state`);
      const time = num(p, `vcpu.${id}.time`);
      if (state === undefined && time === undefined) continue;
      const delaySeconds = scaled(num(p, `vcpu.${id}.delay`), NS);
      perVcpu.push(defined({ id, state, timeSeconds: scaled(time, NS), delaySeconds }));
    }
    out.vcpu = { current: vcpuCurrent, maximum, perVcpu };
  }

  const balloonCurrent = num(p, 'balloon.current');
  if (want.has('balloon') && balloonCurrent !== undefined) {
    out.balloon = defined({
      currentBytes: balloonCurrent * KiB,
      maximumBytes: (num(p, 'balloon.maximum') ?? balloonCurrent) * KiB,
      availableBytes: scaled(num(p, 'balloon.available'), KiB),
      unusedBytes: scaled(num(p, 'balloon.unused'), KiB),
      usableBytes: scaled(num(p, 'balloon.usable'), KiB),
      rssBytes: scaled(num(p, 'balloon.rss'), KiB),
      swapInBytes: scaled(num(p, 'balloon.swap_in'), KiB),
      swapOutBytes: scaled(num(p, 'balloon.swap_out'), KiB),
      majorFaults: num(p, 'balloon.major_fault'),
      minorFaults: num(p, 'balloon.minor_fault'),
    });
  }

  const blockCount = num(p, 'block.count');
  if (want.has('block') && blockCount !== undefined) {
    out.blocks = [];
    for (let i = 0; i < blockCount; i++) {
      const b = (k: string) => num(p, `block.${i}.${k}`);
      const device = str(p, `block.${i}.name`);
      if (!device) continue;
      const stat: BlockStat = defined({
        device,
        path: str(p, `block.${i}.path`),
        readBytes: b('rd.bytes') ?? 0,
        writeBytes: b('wr.bytes') ?? 0,
        readOps: b('rd.reqs') ?? 0,
        writeOps: b('wr.reqs') ?? 0,
        readTimeSeconds: scaled(b('rd.times'), NS),
        writeTimeSeconds: scaled(b('wr.times'), NS),
        flushOps: b('fl.reqs'),
        flushTimeSeconds: scaled(b('fl.times'), NS),
        capacityBytes: b('capacity'),
        allocationBytes: b('allocation'),
      });
      out.blocks.push(stat);
    }
  }

  const netCount = num(p, 'net.count');
  if (want.has('net') && netCount !== undefined) {
    out.nets = [];
    for (let i = 0; i < netCount; i++) {
      const n = (k: string) => num(p, `net.${i}.${k}`);
      const device = str(p, `net.${i}.name`);
      if (!device) continue;
      const stat: NetStat = defined({
        device,
        rxBytes: n('rx.bytes') ?? 0,
        rxPackets: n('rx.pkts') ?? 0,
        rxErrors: n('rx.errs'),
        rxDrops: n('rx.drop') ?? 0,
        txBytes: n('tx.bytes') ?? 0,
        txPackets: n('tx.pkts') ?? 0,
        txErrors: n('tx.errs'),
        txDrops: n('tx.drop') ?? 0,
      });
      out.nets.push(stat);
    }
  }

  // dirtyrate.megabytes_per_second is only meaningful once a measurement completed
  // (calc_status 2 = VIR_DOMAIN_DIRTYRATE_MEASURED).
  const dirty = num(p, 'dirtyrate.megabytes_per_second');
  if (want.has('dirtyrate') && dirty !== undefined && num(p, 'dirtyrate.calc_status') === 2) {
    out.dirtyRateBytesPerSecond = dirty * 1024 * 1024;
  }

  if (want.has('perf')) {
    const perf = defined({
      cacheMisses: num(p, 'perf.cache_misses'),
      cacheReferences: num(p, 'perf.cache_references'),
      instructions: num(p, 'perf.instructions'),
      cpuCycles: num(p, 'perf.cpu_cycles'),
    });
    if (Object.keys(perf).length > 0) out.perf = perf;
  }
  return out;
}
