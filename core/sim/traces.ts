// Workload traces: a value as a function of scenario time (seconds since the start).
// Kinds: constant, piecewise (step or linear), sinusoid, replayed series, seeded random
// walk, and sum (to stack a trend, a wave and noise). Compiled once, then evaluated per
// step; a random walk is generated lazily and cached, so evaluation is deterministic.
import { z } from 'zod';
import { deriveSeed, mulberry32, normal } from './prng';
import { quantitySchema } from './units';

const num = quantitySchema;

const bounds = {
  /** Lower clamp of the trace value (default 0: demands are never negative). */
  min: num.optional(),
  /** Upper clamp of the trace value. */
  max: num.optional(),
};

const constantSchema = z.object({ kind: z.literal('constant'), value: num, ...bounds }).strict();
const piecewiseSchema = z
  .object({
    kind: z.literal('piecewise'),
    /** [time in seconds, value] pairs, times strictly increasing. */
    points: z.array(z.tuple([z.number().min(0), num])).min(1),
    /** step: hold each value until the next point; linear: interpolate. */
    interpolate: z.enum(['step', 'linear']).default('linear'),
    ...bounds,
  })
  .strict()
  .refine((p) => p.points.every((pt, i) => i === 0 || pt[0] > p.points[i - 1][0]), {
    message: 'piecewise point times must be strictly increasing',
    path: ['points'],
  });
const sinusoidSchema = z
  .object({
    kind: z.literal('sinusoid'),
    mean: num,
    amplitude: num,
    periodSeconds: z.number().positive(),
    phaseSeconds: z.number().default(0),
    ...bounds,
  })
  .strict();
const seriesSchema = z
  .object({
    kind: z.literal('series'),
    /** Seconds between two samples of `values`. */
    stepSeconds: z.number().positive(),
    values: z.array(num).min(1),
    /** Replay from the start after the last value (default: hold the last value). */
    loop: z.boolean().default(false),
    ...bounds,
  })
  .strict();
const randomWalkSchema = z
  .object({
    kind: z.literal('random-walk'),
    start: num,
    /** Standard deviation of one step. */
    stepStddev: num.pipe(z.number().min(0)),
    stepSeconds: z.number().positive().default(10),
    /** Pull back towards `start` per step (0 = pure walk, 1 = white noise around start). */
    meanReversion: z.number().min(0).max(1).default(0),
    /** Own seed; default: derived from the scenario seed and the trace's place. */
    seed: z.number().int().optional(),
    ...bounds,
  })
  .strict();

export type TraceSpec =
  | z.infer<typeof constantSchema>
  | z.infer<typeof piecewiseSchema>
  | z.infer<typeof sinusoidSchema>
  | z.infer<typeof seriesSchema>
  | z.infer<typeof randomWalkSchema>
  | { kind: 'sum'; of: TraceSpec[]; min?: number; max?: number };

const sumSchema: z.ZodType<Extract<TraceSpec, { kind: 'sum' }>> = z.lazy(() =>
  z.object({ kind: z.literal('sum'), of: z.array(traceSchema).min(1), ...bounds }).strict(),
);

/** A trace is a bare number (constant) or one of the kinds above. */
export const traceSchema: z.ZodType<TraceSpec, unknown> = z.preprocess(
  (v) => (typeof v === 'number' || typeof v === 'string' ? { kind: 'constant', value: v } : v),
  z.union([constantSchema, piecewiseSchema, sinusoidSchema, seriesSchema, randomWalkSchema, sumSchema]),
) as z.ZodType<TraceSpec, unknown>;

export type Trace = (tSeconds: number) => number;

/** Compiles a trace spec; `seed` and `label` seed random walks that carry no seed. */
export function compileTrace(spec: TraceSpec, seed: number, label: string): Trace {
  const raw = compileRaw(spec, seed, label);
  const lo = spec.min ?? 0;
  const hi = spec.max ?? Infinity;
  return (t) => Math.min(hi, Math.max(lo, raw(t)));
}

function compileRaw(spec: TraceSpec, seed: number, label: string): Trace {
  switch (spec.kind) {
    case 'constant':
      return () => spec.value;
    case 'piecewise':
      return piecewise(spec.points, spec.interpolate);
    case 'sinusoid':
      return (t) =>
        spec.mean + spec.amplitude * Math.sin((2 * Math.PI * (t + spec.phaseSeconds)) / spec.periodSeconds);
    case 'series':
      return (t) => {
        const n = spec.values.length;
        let i = Math.floor(Math.max(0, t) / spec.stepSeconds);
        i = spec.loop ? i % n : Math.min(i, n - 1);
        return spec.values[i];
      };
    case 'random-walk':
      return randomWalk(spec, spec.seed ?? deriveSeed(seed, label));
    case 'sum': {
      const parts = spec.of.map((s, i) => compileTrace({ min: -Infinity, ...s }, seed, `${label}/${i}`));
      return (t) => parts.reduce((acc, p) => acc + p(t), 0);
    }
  }
}

function piecewise(points: [number, number][], mode: 'step' | 'linear'): Trace {
  return (t) => {
    if (t <= points[0][0]) return points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [t1, v1] = points[i];
      if (t < t1) {
        const [t0, v0] = points[i - 1];
        return mode === 'step' ? v0 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
      }
    }
    return points[points.length - 1][1];
  };
}

function randomWalk(spec: z.infer<typeof randomWalkSchema>, seed: number): Trace {
  const rng = mulberry32(seed);
  const values = [spec.start];
  const lo = spec.min ?? 0;
  const hi = spec.max ?? Infinity;
  return (t) => {
    const i = Math.floor(Math.max(0, t) / spec.stepSeconds);
    while (values.length <= i) {
      const prev = values[values.length - 1];
      const next = prev + spec.meanReversion * (spec.start - prev) + spec.stepStddev * normal(rng);
      values.push(Math.min(hi, Math.max(lo, next)));
    }
    return values[i];
  };
}
