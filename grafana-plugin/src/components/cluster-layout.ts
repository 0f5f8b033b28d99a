// Where the cluster view draws things (pure): one column per host, at least MIN_COLUMN
// wide in the detail zoom (at 100 hosts the view scrolls sideways), or in the fit zoom
// every host squeezed into the panel's width (down to MIN_FIT_COLUMN, the overview),
// VMs stacked from the bottom with heights proportional to memory on one scale for every
// host (so a full column reads as a full host), and a band above the columns for the
// migration arrows.
import type { ClusterModel, ClusterMove } from '../data/cluster';

export const MIN_COLUMN = 34;
/** Narrowest column of the fit zoom: still a visible bar with its colour and hotspot mark. */
export const MIN_FIT_COLUMN = 5;
export const ARROW_BAND = 56;
export const HEADER = 34;
const GAP = 4;
const BOTTOM = 4;

export interface VmBox {
  vm: string;
  y: number;
  h: number;
}

export interface Column {
  host: string;
  x: number;
  w: number;
  vms: VmBox[];
}

export interface ClusterLayout {
  /** Width of the drawing: wider than the panel when the columns do not fit (scroll). */
  width: number;
  height: number;
  columns: Column[];
  /** y of the top of the stacks (the column headers sit just above). */
  stackTop: number;
}

export type ClusterZoom = 'fit' | 'detail';

/** Whether every host gets a detail-width column in `width` (then both zooms draw the same). */
export function fitsInDetail(hosts: number, width: number): boolean {
  return hosts * MIN_COLUMN <= width;
}

export function clusterLayout(
  model: ClusterModel,
  width: number,
  height: number,
  zoom: ClusterZoom = 'detail'
): ClusterLayout {
  const n = Math.max(1, model.hosts.length);
  const colW = Math.max(zoom === 'fit' ? MIN_FIT_COLUMN : MIN_COLUMN, Math.floor(width / n));
  // Narrow columns get a thinner gap, so their bars stay wider than the gaps between them.
  const gap = colW >= 20 ? GAP : 1;
  const stackTop = ARROW_BAND + HEADER;
  const stackH = Math.max(20, height - stackTop - BOTTOM);
  // Without memory figures every VM counts as one unit.
  const size = (m: number | undefined) => (m !== undefined && m > 0 ? m : 1);
  const fullest = Math.max(1, ...model.hosts.map((h) => h.vms.reduce((s, v) => s + size(v.memoryBytes), 0)));
  const columns = model.hosts.map((h, i) => {
    let y = stackTop + stackH;
    const vms = h.vms.map((v) => {
      const hh = (size(v.memoryBytes) / fullest) * stackH;
      y -= hh;
      return { vm: v.vm, y, h: hh };
    });
    return { host: h.name, x: i * colW + gap / 2, w: colW - gap, vms };
  });
  return { width: Math.max(width, n * colW), height, columns, stackTop };
}

/** The arrow of a move: from the top of the source column to the top of the destination's. */
export function arrowPath(
  layout: ClusterLayout,
  move: ClusterMove
): { d: string; x0: number; x1: number; y: number } | undefined {
  const from = layout.columns.find((c) => c.host === move.from);
  const to = layout.columns.find((c) => c.host === move.to);
  if (!from || !to) {
    return undefined;
  }
  const x0 = from.x + from.w / 2;
  const x1 = to.x + to.w / 2;
  const y = ARROW_BAND - 2;
  // Higher arcs for longer moves, within the band.
  const lift = Math.min(ARROW_BAND - 8, 12 + Math.abs(x1 - x0) / 8);
  return { d: `M ${x0} ${y} C ${x0} ${y - lift}, ${x1} ${y - lift}, ${x1} ${y}`, x0, x1, y };
}

/** A point along the arrow's cubic curve at t in 0..1 (the progress marker). */
export function alongArrow(x0: number, x1: number, y: number, t: number): { x: number; y: number } {
  const lift = Math.min(ARROW_BAND - 8, 12 + Math.abs(x1 - x0) / 8);
  const u = 1 - t;
  // Control points (x0, y-lift) and (x1, y-lift): Bernstein form of the cubic.
  const x = u * u * u * x0 + 3 * u * u * t * x0 + 3 * u * t * t * x1 + t * t * t * x1;
  const yy = y - 3 * u * t * lift;
  return { x, y: yy };
}
