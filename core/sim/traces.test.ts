import { compileTrace, traceSchema, type TraceSpec } from './traces';

const parse = (x: unknown): TraceSpec => traceSchema.parse(x);
const at = (x: unknown, t: number, seed = 1) => compileTrace(parse(x), seed, 'v')(t);

describe('traces', () => {
  it('constant, also from a bare number or a quantity', () => {
    expect(at(5, 100)).toBe(5);
    expect(at('2MiB', 0)).toBe(2 * 1024 * 1024);
  });

  it('piecewise linear interpolates, step holds', () => {
    const pts = [
      [0, 10],
      [100, 20],
    ];
    expect(at({ kind: 'piecewise', points: pts }, 50)).toBe(15);
    expect(at({ kind: 'piecewise', points: pts, interpolate: 'step' }, 50)).toBe(10);
    expect(at({ kind: 'piecewise', points: pts }, 500)).toBe(20);
  });

  it('sinusoid with phase, clamped at 0 by default', () => {
    const s = { kind: 'sinusoid', mean: 10, amplitude: 20, periodSeconds: 100 };
    expect(at(s, 25)).toBeCloseTo(30);
    expect(at(s, 75)).toBe(0);
    expect(at({ ...s, phaseSeconds: 25 }, 0)).toBeCloseTo(30);
  });

  it('series replays values, holding or looping', () => {
    const s = { kind: 'series', stepSeconds: 10, values: [1, 2, 3] };
    expect([0, 15, 25, 35].map((t) => at(s, t))).toEqual([1, 2, 3, 3]);
    expect(at({ ...s, loop: true }, 35)).toBe(1);
  });

  it('random walk is deterministic per seed, differs across seeds, stays in bounds', () => {
    const w = { kind: 'random-walk', start: 50, stepStddev: 10, stepSeconds: 1, min: 0, max: 100 };
    const a = Array.from({ length: 200 }, (_, t) => at(w, t, 1));
    const b = Array.from({ length: 200 }, (_, t) => at(w, t, 1));
    const c = Array.from({ length: 200 }, (_, t) => at(w, t, 2));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(100);
    expect(new Set(a).size).toBeGreaterThan(50);
  });

  it('sum stacks parts; min/max clamp the total', () => {
    const s = {
      kind: 'sum',
      of: [
        { kind: 'constant', value: 5 },
        { kind: 'constant', value: -8 },
      ],
    };
    expect(at({ ...s, min: -100 }, 0)).toBe(-3);
    expect(at(s, 0)).toBe(0);
  });

  it('rejects a malformed trace', () => {
    expect(() => parse({ kind: 'sinusoid', mean: 1 })).toThrow();
    expect(() =>
      parse({
        kind: 'piecewise',
        points: [
          [10, 1],
          [5, 2],
        ],
      }),
    ).toThrow(/increasing/);
  });
});
