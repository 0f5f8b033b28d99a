// A plan: what one planner round wants done, every action with its reason.
import type { HeldHost } from './hold';
import type { Reason } from './reason';

export type { Reason } from './reason';

export type ActionKind =
  | 'set_cpu_shares'
  | 'set_cpu_cap'
  | 'set_memory'
  | 'set_vcpus'
  | 'pin_vcpus'
  | 'set_block_iotune'
  | 'set_net_bandwidth'
  | 'migrate';

export interface Action {
  kind: ActionKind;
  vm: string;
  /** Host the VM is on. */
  from: string;
  /** Destination host (migrations only). */
  to?: string;
  /**
   * Kind-specific parameters (every applier reads exactly these keys):
   *   set_cpu_shares {shares} · set_cpu_cap {periodUs, quotaUs} · set_memory {bytes} ·
   *   set_vcpus {count} · pin_vcpus {vcpu, cpus} · set_block_iotune {device, totalBytesSec} ·
   *   set_net_bandwidth {device, inboundBytesSec, outboundBytesSec} · migrate {} (see `to`)
   */
  params: Record<string, number | string | boolean | number[]>;
  /** Values before the action, when known, in the same keys as params. */
  before?: Record<string, number | string | boolean | number[]>;
  reason: Reason;
}

export interface Plan {
  at: number;
  /** Hosts the planner refused to act on this round (stale data, paused, …). */
  held: HeldHost[];
  actions: Action[];
}
