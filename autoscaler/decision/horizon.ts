// The CPU side of a move over the last planning horizon (decision/migration-value.ts): each
// host's CPU load then — the sum of what the VMs the model now holds there demanded, wherever
// they ran (their horizon history, core/model/horizon-history.ts) — before and after the
// moving VM's own history leaves the source for the destination, and the share of the
// horizon the present is expected to last by that load (forecast.ts presentShare): on the
// source the hotspot's, on the destination its state with the VM.
import type { Resource } from '../../core/model/snapshot';
import type { ClusterModel } from './cluster-model';
import type { PlannerConfig } from './config';
import { presentShare } from './forecast';
import type { RoundView, VmView } from './points';

export interface HorizonSide {
  cpuHistory?: number[];
  cpuHistoryAfter?: number[];
  presentShare: number;
}

const NONE: HorizonSide = { presentShare: 1 };

/** A VM's CPU demand over the horizon in cores, `points` long: a shorter history padded with its oldest point. */
function coresOver(v: VmView | undefined, points: number): number[] | undefined {
  const h = v?.vm.horizonCpu?.cores;
  if (!h || h.length === 0) return undefined;
  if (h.length >= points) return h.slice(h.length - points);
  return [...new Array<number>(points - h.length).fill(h[0]), ...h];
}

/** What the VMs the model holds on `host` demanded over the horizon, in cores (an in-flight phantom counts as its VM). */
function hostCores(model: ClusterModel, view: RoundView, host: string, points: number): number[] {
  const sum = new Array<number>(points).fill(0);
  for (const name of model.host(host).vms) {
    const v = view.vms.get(name.replace(/@inflight$/, ''));
    // Without a history of its own, a VM counts at its forecast CPU demand throughout.
    const cores = coresOver(v, points) ?? new Array<number>(points).fill(v?.demand.cpu ?? 0);
    for (let i = 0; i < points; i++) sum[i] += cores[i];
  }
  return sum;
}

/**
 * Both hosts' CPU over the last horizon before and after moving `vm` from `source` to
 * `destination` (the model holds the VM on the source), as loads; nothing (the present lasts
 * the horizon) when the VM has no horizon history. The source's share is read on CPU only
 * when CPU is one of its hot resources.
 */
export function horizonSides(
  model: ClusterModel,
  view: RoundView,
  vm: VmView,
  source: string,
  destination: string,
  hot: readonly Resource[],
  cfg: Pick<PlannerConfig, 'high' | 'migration'>,
): { source: HorizonSide; destination: HorizonSide } {
  const own = vm.vm.horizonCpu;
  if (!own || own.cores.length === 0) return { source: NONE, destination: NONE };
  const points = own.cores.length;
  const moving = coresOver(vm, points) ?? [];
  // The source's share: how long its hotspot lasts; the destination's: how long it stays fine
  // with the VM (its history with the VM's added, so bursts the VM would join count).
  const side = (host: string, sign: number, shareOf: 'before' | 'after' | 'none'): HorizonSide => {
    const cap = model.host(host).capacity.cpu;
    if (!(cap > 0)) return NONE;
    const before = hostCores(model, view, host, points).map((c) => c / cap);
    const after = before.map((l, i) => Math.max(0, l + (sign * moving[i]) / cap));
    const series = shareOf === 'before' ? before : after;
    const share =
      shareOf === 'none' ? 1 : presentShare(series, cfg.high, own.stepSeconds, cfg.migration.horizonSeconds);
    return { cpuHistory: before, cpuHistoryAfter: after, presentShare: share };
  };
  return {
    source: side(source, -1, hot.includes('cpu') ? 'before' : 'none'),
    destination: side(destination, 1, 'after'),
  };
}
