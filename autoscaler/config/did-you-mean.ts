// "Did you mean" for unknown config keys: the keys the schema allows at the path,
// and the closest one to the typo (Levenshtein distance ≤ 2, or one a prefix of the other).
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
}

// zod 4 keeps a schema's structure in `_zod.def` (public, documented for introspection).
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/default/prefault/pipe/nullable wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  for (let d = defOf(s); ; d = defOf(s)) {
    const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!inner) return s;
    s = inner;
  }
}

/** The keys an object schema allows at `path` (records and arrays are stepped through). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema);
  for (const key of path) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape && typeof key === 'string' && key in d.shape) s = unwrap(d.shape[key]);
    else if (d.type === 'record' && d.valueType) s = unwrap(d.valueType);
    else if (d.type === 'array' && d.element) s = unwrap(d.element);
    else return [];
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The allowed key closest to `typo`, if one is close enough to be a likely meaning. */
export function closestKey(typo: string, known: readonly string[]): string | undefined {
  const t = typo.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const l = k.toLowerCase();
    const d = l === t ? 0 : l.startsWith(t) || t.startsWith(l) ? 1 : distance(t, l);
    if (d <= 2 && (!best || d < best.d)) best = { key: k, d };
  }
  return best?.key;
}
