// Where the cluster view writes the move arrows' labels ("vm-1-1 88 %"), pure: in rows of
// the arrow band above the columns, each near the middle of its arrow, never past the
// drawing's edges and never over another label. Labels are placed most important first
// (the running migration, then the most recent moves); one that finds no free spot near
// its arrow is left out: its arrow stays, and the arrow's tooltip names the VM and its
// progress. (Hiding beats shrinking or piling labels up: at 100 hosts several moves
// leave the same host, and a pile of labels reads as none.)
import type { ClusterMove } from '../data/cluster';

export const LABEL_FONT_SIZE = 10;
/** Baselines of the label rows, 12 px apart (a 10 px label's box is about 11.6 px tall). */
export const LABEL_ROWS = [11, 23, 35] as const;
/** Space kept free at the drawing's left and right edges. */
const EDGE = 2;
/** Space between two labels in a row (wide enough that two do not read as one). */
const GAP = 8;
/** How far a label may sit beside its arrow's span (else it reads as another arrow's). */
const SLACK = 12;
/** What moving a label one row down costs, in pixels of sideways shift. */
const ROW_COST = 30;
/** Rounding slack of the comparisons (a spot "just beside" a label is computed by subtraction). */
const EPS = 1e-6;

export interface MoveLabelInput {
  id: string;
  text: string;
  /** The arrow's ends (x of the source and destination columns' centres). */
  x0: number;
  x1: number;
}

export interface MoveLabel {
  id: string;
  text: string;
  /** Left edge. */
  x: number;
  /** Baseline. */
  y: number;
  w: number;
}

/** A move's label text: the VM, and a running migration's progress. */
export function moveLabelText(m: Pick<ClusterMove, 'vm' | 'progress'>): string {
  return m.progress !== undefined ? `${m.vm} ${Math.round(m.progress * 100)} %` : m.vm;
}

/** Most important first: running, then by how recent (less faded), then by id (stable). */
export function byLabelImportance(a: ClusterMove, b: ClusterMove): number {
  const running = Number(b.state === 'running') - Number(a.state === 'running');
  return running || b.opacity - a.opacity || a.id.localeCompare(b.id);
}

/**
 * Places the labels in the given order (most important first) in a drawing `width` wide;
 * `measure` gives a label's width in pixels. Labels without room are not returned.
 */
export function placeMoveLabels(
  wanted: readonly MoveLabelInput[],
  width: number,
  measure: (text: string) => number
): MoveLabel[] {
  const placed: MoveLabel[] = [];
  for (const m of wanted) {
    const w = Math.ceil(measure(m.text));
    const lo = Math.max(EDGE, Math.min(m.x0, m.x1) - w - SLACK);
    const hi = Math.min(width - EDGE - w, Math.max(m.x0, m.x1) + SLACK);
    if (lo > hi) {
      continue;
    }
    const ideal = (m.x0 + m.x1) / 2 - w / 2;
    let best: { x: number; y: number; cost: number } | undefined;
    LABEL_ROWS.forEach((y, row) => {
      const inRow = placed.filter((p) => p.y === y);
      // The ideal spot (pushed inside the edges) or just beside a label already in the row.
      const candidates = [Math.min(hi, Math.max(lo, ideal)), ...inRow.flatMap((p) => [p.x + p.w + GAP, p.x - GAP - w])];
      for (const x of candidates) {
        const free =
          x >= lo - EPS && x <= hi + EPS && inRow.every((p) => x + w + GAP <= p.x + EPS || x + EPS >= p.x + p.w + GAP);
        const cost = Math.abs(x - ideal) + row * ROW_COST;
        if (free && (!best || cost < best.cost)) {
          best = { x, y, cost };
        }
      }
    });
    if (best) {
      placed.push({ id: m.id, text: m.text, x: best.x, y: best.y, w });
    }
  }
  return placed;
}
