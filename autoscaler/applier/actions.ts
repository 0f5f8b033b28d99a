// Local-tuning actions, Watcher-style: each kind says how to read the current value (for the
// journal's "before" and the post-condition), how to apply the change through the
// hypervisor port, and whether a read-back value matches what was asked.
import type { CallOptions, HypervisorPort, VmRef } from '../../core/hypervisor/port';
import type { Action, ActionKind } from '../../core/model/plan';

export type Values = Record<string, number | string | boolean | number[]>;

export interface LocalActionHandler {
  /** Current values in the keys of the action's params; null when the port cannot read them back. */
  read(port: HypervisorPort, ref: VmRef, action: Action, opts: CallOptions): Promise<Values | null>;
  apply(port: HypervisorPort, ref: VmRef, action: Action, opts: CallOptions): Promise<void>;
  /** Post-condition: the read-back value is what was asked (within the backend's rounding). */
  matches(current: Values, action: Action): boolean;
}

function num(action: Action, key: string): number {
  const v = action.params[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(
      `action ${action.kind} on ${action.vm}: params.${key} must be a number, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function str(action: Action, key: string): string {
  const v = action.params[key];
  if (typeof v !== 'string' || v === '') {
    throw new TypeError(`action ${action.kind} on ${action.vm}: params.${key} must be a device name`);
  }
  return v;
}

/** Memory is set in KiB by libvirt and a balloon settles near, not at, its target: 1 % or 1 MiB. */
const memoryClose = (a: number, b: number) => Math.abs(a - b) <= Math.max(1 << 20, 0.01 * b);

const cpuShares: LocalActionHandler = {
  async read(port, ref, _a, opts) {
    const t = await port.getCpuTune(ref, opts);
    return { shares: t.shares };
  },
  apply: (port, ref, a, opts) => port.setCpuShares(ref, Math.round(num(a, 'shares')), opts),
  matches: (cur, a) => cur.shares === Math.round(num(a, 'shares')),
};

const cpuCap: LocalActionHandler = {
  async read(port, ref, _a, opts) {
    const t = await port.getCpuTune(ref, opts);
    return { periodUs: t.cap.periodUs, quotaUs: t.cap.quotaUs };
  },
  apply: (port, ref, a, opts) =>
    port.setCpuCap(
      ref,
      { periodUs: Math.round(num(a, 'periodUs')), quotaUs: Math.round(num(a, 'quotaUs')) },
      opts,
    ),
  matches: (cur, a) =>
    cur.periodUs === Math.round(num(a, 'periodUs')) && cur.quotaUs === Math.round(num(a, 'quotaUs')),
};

const memory: LocalActionHandler = {
  async read(port, ref, _a, opts) {
    const vm = await port.getVm(ref, opts);
    return { bytes: vm.memoryBytes };
  },
  apply: (port, ref, a, opts) => port.setMemory(ref, Math.round(num(a, 'bytes')), opts),
  matches: (cur, a) => typeof cur.bytes === 'number' && memoryClose(cur.bytes, num(a, 'bytes')),
};

const vcpus: LocalActionHandler = {
  async read(port, ref, _a, opts) {
    const vm = await port.getVm(ref, opts);
    return { count: vm.vcpus };
  },
  apply: (port, ref, a, opts) => port.setVcpus(ref, Math.round(num(a, 'count')), opts),
  matches: (cur, a) => cur.count === Math.round(num(a, 'count')),
};

// The port has no read-back for pinning and I/O limits: these are journalled as completed
// with `verified: false` (the call succeeded; the value could not be read back).
const pin: LocalActionHandler = {
  read: async () => null,
  async apply(port, ref, a, opts) {
    const cpus = a.params.cpus;
    if (!Array.isArray(cpus)) throw new TypeError(`action pin_vcpus on ${a.vm}: params.cpus must be a list`);
    await port.pinVcpu(ref, num(a, 'vcpu'), cpus, opts);
  },
  matches: () => true,
};

const blockIo: LocalActionHandler = {
  read: async () => null,
  apply: (port, ref, a, opts) =>
    port.setBlockIoTune(ref, str(a, 'device'), { totalBytesSec: Math.round(num(a, 'totalBytesSec')) }, opts),
  matches: () => true,
};

const netBw: LocalActionHandler = {
  read: async () => null,
  apply: (port, ref, a, opts) =>
    port.setNetBandwidth(
      ref,
      str(a, 'device'),
      {
        inboundBytesSec: Math.round(num(a, 'inboundBytesSec')),
        outboundBytesSec: Math.round(num(a, 'outboundBytesSec')),
      },
      opts,
    ),
  matches: () => true,
};

export const LOCAL_HANDLERS: Record<Exclude<ActionKind, 'migrate'>, LocalActionHandler> = {
  set_cpu_shares: cpuShares,
  set_cpu_cap: cpuCap,
  set_memory: memory,
  set_vcpus: vcpus,
  pin_vcpus: pin,
  set_block_iotune: blockIo,
  set_net_bandwidth: netBw,
};
