// Quantities in scenario files: a number, or a string with a byte unit ("512MiB", "2GiB",
// "100MB", "20KiB"). Used for memory, bandwidths and byte-valued traces.
import { z } from 'zod';

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
  TIB: 1024 ** 4,
};

/** Parses "512MiB" → 536870912; returns the input unchanged when it is not such a string. */
export function parseQuantity(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(v);
  if (!m) return v;
  return Number(m[1]) * (m[2] ? (UNITS[m[2].toUpperCase()] ?? NaN) : 1);
}

/** A number that may be written with a byte unit. */
export const quantitySchema = z.preprocess(
  parseQuantity,
  z.number({ message: 'expected a number or a quantity like "512MiB"' }).finite(),
);
