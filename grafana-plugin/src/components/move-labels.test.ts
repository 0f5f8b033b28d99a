import type { ClusterMove } from '../data/cluster';
import { LABEL_ROWS, byLabelImportance, moveLabelText, placeMoveLabels, type MoveLabel } from './move-labels';

/** 6 px per character, as a fixed-pitch font would measure. */
const measure = (s: string) => s.length * 6;
const overlaps = (a: MoveLabel, b: MoveLabel) => a.y === b.y && a.x < b.x + b.w && b.x < a.x + a.w;

describe('placeMoveLabels', () => {
  it('centres a lone label on its arrow', () => {
    const [l] = placeMoveLabels([{ id: 'a', text: 'vm-1', x0: 100, x1: 300 }], 600, measure);
    expect(l).toEqual({ id: 'a', text: 'vm-1', x: 200 - 12, y: LABEL_ROWS[0], w: 24 });
  });

  it('keeps a label at the left edge inside the drawing (an arrow from column 0)', () => {
    const [l] = placeMoveLabels([{ id: 'a', text: 'vm-1-1 88 %', x0: 3, x1: 10 }], 600, measure);
    expect(l.x).toBe(2);
    const [r] = placeMoveLabels([{ id: 'b', text: 'vm-1-1 88 %', x0: 597, x1: 590 }], 600, measure);
    expect(r.x + r.w).toBe(598);
  });

  it('moves a label that would cover another beside it or to the next row, never onto it', () => {
    const wanted = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, text: `vm-${id}-long`, x0: 200, x1: 260 }));
    const placed = placeMoveLabels(wanted, 600, measure);
    expect(placed.map((l) => l.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const a of placed) {
      for (const b of placed) {
        expect(a === b || !overlaps(a, b)).toBe(true);
      }
      expect(a.x).toBeGreaterThanOrEqual(2);
      expect(a.x + a.w).toBeLessThanOrEqual(598);
    }
    // 9 characters, 54 px: the first three stack over the arrow's middle (a row down costs
    // 30 px), the fourth goes beside the first (62 px away beats a fourth row, which there is not).
    expect(placed.slice(0, 3)).toEqual(
      LABEL_ROWS.map((y, i) => expect.objectContaining({ id: 'abc'[i], x: 230 - 27, y }))
    );
    expect(placed[3]).toMatchObject({ x: 203 + 62, y: LABEL_ROWS[0] });
  });

  it('leaves out a label that has no free spot near its arrow (the tooltip still names it)', () => {
    // Ten moves from one short arrow: the spots near it run out.
    const wanted = Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, text: `vm-1-${i}`, x0: 10, x1: 20 }));
    const placed = placeMoveLabels(wanted, 600, measure);
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.length).toBeLessThan(10);
    expect(placed[0].id).toBe('m0');
    for (const l of placed) {
      expect(l.x + l.w).toBeLessThanOrEqual(20 + 12 + 36);
    }
  });

  it('leaves out a label wider than the drawing', () => {
    expect(placeMoveLabels([{ id: 'a', text: 'x'.repeat(30), x0: 10, x1: 90 }], 100, measure)).toEqual([]);
  });
});

describe('label order and text', () => {
  const move = (id: string, state: ClusterMove['state'], opacity: number): ClusterMove => ({
    id,
    vm: id,
    from: 'a',
    to: 'b',
    state,
    opacity,
    reason: '',
  });
  it('puts the running move first, then the most recent', () => {
    const order = [move('old', 'completed', 0.2), move('run', 'running', 1), move('new', 'failed', 0.9)]
      .sort(byLabelImportance)
      .map((m) => m.id);
    expect(order).toEqual(['run', 'new', 'old']);
  });
  it('adds a running move’s progress', () => {
    expect(moveLabelText({ vm: 'vm-1', progress: 0.876 })).toBe('vm-1 88 %');
    expect(moveLabelText({ vm: 'vm-1' })).toBe('vm-1');
  });
});
