// Small readers over Grafana data frames, shared by the views' transforms (pure).
import { type DataFrame, type Field, FieldType } from '@grafana/data';

/** The field named `name` (case-insensitive; also a flattened `name.*` prefix is not matched). */
export function fieldNamed(frame: DataFrame, name: string): Field | undefined {
  const lower = name.toLowerCase();
  return frame.fields.find((f) => f.name.toLowerCase() === lower);
}

/** Value `i` of a field as the array or object it holds (JSON data sources may send strings). */
export function structured(v: unknown): unknown {
  if (typeof v !== 'string') {
    return v;
  }
  const s = v.trim();
  if (!(s.startsWith('{') || s.startsWith('['))) {
    return v;
  }
  try {
    return JSON.parse(s);
  } catch {
    return v;
  }
}

/** Milliseconds since the epoch from a time field value (number or ISO string). */
export function toMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** The last non-null number of a field. */
export function lastNumber(field: Field): number | undefined {
  for (let i = field.values.length - 1; i >= 0; i--) {
    const v = field.values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
  }
  return undefined;
}

/** The last non-null number of a field and the time of its row (0 when the frame has no time field). */
export function lastSample(frame: DataFrame, field: Field): { value: number; timeMs: number } | undefined {
  const time = frame.fields.find((f) => f.type === FieldType.time);
  for (let i = field.values.length - 1; i >= 0; i--) {
    const v = field.values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return { value: v, timeMs: toMs(time?.values[i]) ?? 0 };
    }
  }
  return undefined;
}

export function numberFields(frame: DataFrame): Field[] {
  return frame.fields.filter((f) => f.type === FieldType.number);
}

/** Parses the panel's host filter: comma-separated names, empty = every host. */
export function hostFilter(hosts: string): (host: string) => boolean {
  const wanted = new Set(
    hosts
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '')
  );
  return (host) => wanted.size === 0 || wanted.has(host);
}
