// Per-VM series beside the points (pure), read like the memory query: by the refId the
// panel options name, labels host and domain, the newest sample per VM (a VM that migrated
// within the range has a series on each host; the newest is where it is now).
//   priority      vmpilot_vm_priority{host,domain,class}: the service-provider weight,
//                 labelled with the VM's priority class (issue 13)
//   service level vmpilot_vm_service_level{host,domain}: s(x) of the VM's SLI, 0..1
import type { DataFrame } from '@grafana/data';
import { lastSample, numberFields } from './frames';

/**
 * Priority classes from most to least important. The autoscaler's definition is
 * PRIORITY_CLASSES in core/model/priority.ts (a separate package); vm-series.test.ts fails
 * when the two differ.
 */
export const PRIORITY_CLASSES = ['critical', 'high', 'normal', 'low', 'best-effort'] as const;

export interface VmPriority {
  /** The class label as exported (an unknown class sorts after every known one). */
  class: string;
  /** Service-provider weight inside the class (default 1: the lighter yields first). */
  weight: number;
}

export interface VmExtras {
  priority?: VmPriority;
  /** s(x) of the VM's SLI (0.5 = the lowest tolerable by default); undefined without an SLI. */
  serviceLevel?: number;
}

export interface VmSeriesRefs {
  priorityRefId: string;
  serviceLevelRefId: string;
}

/** Newest sample per VM of the frames with `refId`, with the labels of its series. */
function newestPerVm(frames: DataFrame[], refId: string) {
  const out = new Map<string, { value: number; timeMs: number; labels: Record<string, string> }>();
  for (const frame of frames) {
    if (frame.refId !== refId) {
      continue;
    }
    for (const field of numberFields(frame)) {
      const labels = field.labels ?? {};
      const s = lastSample(frame, field);
      const seen = labels.domain ? out.get(labels.domain) : undefined;
      if (labels.domain && s && (!seen || s.timeMs >= seen.timeMs)) {
        out.set(labels.domain, { ...s, labels });
      }
    }
  }
  return out;
}

/** Each VM's priority and service level, by VM name. */
export function vmExtrasFromFrames(frames: DataFrame[], refs: VmSeriesRefs): Map<string, VmExtras> {
  const out = new Map<string, VmExtras>();
  const at = (vm: string) => {
    let e = out.get(vm);
    if (!e) {
      e = {};
      out.set(vm, e);
    }
    return e;
  };
  for (const [vm, s] of newestPerVm(frames, refs.priorityRefId)) {
    at(vm).priority = { class: s.labels.class ?? 'normal', weight: s.value };
  }
  for (const [vm, s] of newestPerVm(frames, refs.serviceLevelRefId)) {
    at(vm).serviceLevel = s.value;
  }
  return out;
}

/** Rank: 0 for critical, growing to the least important; unknown classes last. */
export function priorityRank(p: VmPriority | undefined): number {
  const i = (PRIORITY_CLASSES as readonly string[]).indexOf(p?.class ?? 'normal');
  return i === -1 ? PRIORITY_CLASSES.length : i;
}

/** Most important first: class, then the heavier weight. Negative: `a` before `b`. */
export function byPriority(a: VmPriority | undefined, b: VmPriority | undefined): number {
  return priorityRank(a) - priorityRank(b) || (b?.weight ?? 1) - (a?.weight ?? 1);
}

/** "high", or "high ×2" when the weight is not 1; "–" when the VM has no priority series. */
export function priorityText(p: VmPriority | undefined): string {
  if (!p) {
    return '–';
  }
  return p.weight === 1 ? p.class : `${p.class} ×${Number(p.weight.toFixed(2))}`;
}

/** Rows in priority order (most important first), then by total points, then by name. */
export function sortByPriority<T extends { vm: string; total: number }>(
  rows: readonly T[],
  extras: ReadonlyMap<string, VmExtras>
): T[] {
  return [...rows].sort(
    (a, b) =>
      byPriority(extras.get(a.vm)?.priority, extras.get(b.vm)?.priority) ||
      b.total - a.total ||
      a.vm.localeCompare(b.vm)
  );
}
