// A VM's priority (issue 13, seed 001 §2: the agreement between service provider and
// administrator): a class and an optional service-provider weight. It travels with the
// domain as a libvirt <metadata> element in vmpilot's namespace, and config may set or
// override it per VM. Shortage handling frees resources from the lowest priority first
// and never touches `critical`.
import { z } from 'zod';

/** Classes from most to least important. */
export const PRIORITY_CLASSES = ['critical', 'high', 'normal', 'low', 'best-effort'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

export const prioritySchema = z
  .object({
    class: z.enum(PRIORITY_CLASSES),
    /** Service-provider weight inside the class (default 1): the lighter yields first. */
    weight: z.number().positive().optional(),
  })
  .strict();

export type VmPriority = z.infer<typeof prioritySchema>;

/** A VM without a priority anywhere is `normal`, weight 1. */
export const DEFAULT_PRIORITY: Readonly<Required<VmPriority>> = { class: 'normal', weight: 1 };

/** Rank: higher is more important (critical highest). */
export function priorityRank(p: VmPriority | undefined): number {
  return PRIORITY_CLASSES.length - 1 - PRIORITY_CLASSES.indexOf((p ?? DEFAULT_PRIORITY).class);
}

/**
 * Orders two VMs by who yields first in a shortage: lower class first, then the lighter
 * service-provider weight, then the name (deterministic). Negative: `a` yields before `b`.
 */
export function yieldsBefore(
  a: { name: string; priority?: VmPriority },
  b: { name: string; priority?: VmPriority },
): number {
  return (
    priorityRank(a.priority) - priorityRank(b.priority) ||
    (a.priority?.weight ?? 1) - (b.priority?.weight ?? 1) ||
    a.name.localeCompare(b.name)
  );
}
