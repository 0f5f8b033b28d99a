import type { ClusterHost, ClusterModel } from '../data/cluster';
import {
  ARROW_BAND,
  HEADER,
  MIN_COLUMN,
  MIN_FIT_COLUMN,
  alongArrow,
  arrowPath,
  clusterLayout,
  fitsInDetail,
} from './cluster-layout';

const vm = (name: string, host: string, memoryBytes?: number) => ({
  vm: name,
  host,
  points: { cpu: 1, mem: 0, disk: 0, net: 0 },
  total: 1,
  ...(memoryBytes !== undefined ? { memoryBytes } : {}),
});
const host = (name: string, vms: Array<ReturnType<typeof vm>>): ClusterHost => ({
  name,
  vms,
  memoryBytes: 0,
  load: { cpu: 0, mem: 0, disk: 0, net: 0 },
  hot: [],
});

describe('clusterLayout', () => {
  it('shares the width among the hosts and sizes VMs by memory on one scale', () => {
    const model: ClusterModel = {
      hosts: [host('a', [vm('a1', 'a', 300), vm('a2', 'a', 100)]), host('b', [vm('b1', 'b', 200)])],
      moves: [],
    };
    const l = clusterLayout(model, 600, 400);
    expect(l.width).toBe(600);
    expect(l.columns.map((c) => c.x)).toEqual([2, 302]);
    const stack = 400 - ARROW_BAND - HEADER - 4;
    const [a1, a2] = l.columns[0].vms;
    expect(a1.h + a2.h).toBeCloseTo(stack); // the fullest host fills its column
    expect(a1.h / a2.h).toBeCloseTo(3);
    expect(l.columns[1].vms[0].h).toBeCloseTo(stack / 2);
    expect(a2.y + a2.h).toBeCloseTo(a1.y); // stacked without gaps, bottom up
  });

  it('fit zoom: 100 hosts share the panel width, columns no narrower than MIN_FIT_COLUMN', () => {
    const hosts = Array.from({ length: 100 }, (_, i) => host(`h${i}`, [vm(`v${i}`, `h${i}`)]));
    const l = clusterLayout({ hosts, moves: [] }, 1400, 500, 'fit');
    expect(l.width).toBe(1400);
    expect(l.columns[1].x - l.columns[0].x).toBe(14);
    const last = l.columns[99];
    expect(last.x + last.w).toBeLessThanOrEqual(1400);
    expect(last.w).toBeGreaterThan(10); // a 1 px gap at this width, not 4
    const tiny = clusterLayout({ hosts, moves: [] }, 200, 500, 'fit');
    expect(tiny.columns[1].x - tiny.columns[0].x).toBe(MIN_FIT_COLUMN);
    expect(fitsInDetail(100, 1400)).toBe(false);
    expect(fitsInDetail(6, 620)).toBe(true);
  });

  it('keeps a minimum column width at 100 hosts: the drawing gets wider than the panel (scroll)', () => {
    const hosts = Array.from({ length: 100 }, (_, i) => host(`h${i}`, [vm(`v${i}`, `h${i}`)]));
    const l = clusterLayout({ hosts, moves: [] }, 1200, 500);
    expect(l.columns[1].x - l.columns[0].x).toBe(MIN_COLUMN);
    expect(l.width).toBe(100 * MIN_COLUMN);
  });

  it('draws a move from the source column to the destination column, and places progress along it', () => {
    const model: ClusterModel = { hosts: [host('a', []), host('b', []), host('c', [])], moves: [] };
    const l = clusterLayout(model, 300, 300);
    const move = { id: 'm', vm: 'v', from: 'a', to: 'c', state: 'running' as const, opacity: 1, reason: '' };
    const a = arrowPath(l, move);
    expect(a).toBeDefined();
    expect(a!.x0).toBeCloseTo(50);
    expect(a!.x1).toBeCloseTo(250);
    expect(alongArrow(a!.x0, a!.x1, a!.y, 0)).toEqual({ x: a!.x0, y: a!.y });
    expect(alongArrow(a!.x0, a!.x1, a!.y, 1)).toEqual({ x: a!.x1, y: a!.y });
    expect(alongArrow(a!.x0, a!.x1, a!.y, 0.5).x).toBeCloseTo(150);
    expect(arrowPath(l, { ...move, to: 'gone' })).toBeUndefined();
  });
});
