// Sizes on the command line and in query strings: `8GiB`, `8G` and `8Gi` are binary (as
// qemu's `-m 8G` and libvirt's `GiB`), `8GB` decimal, `512B` bytes; a bare number is in
// the caller's unit (`vmpilot place --memory 4096` is MiB, as virt-install's --memory).
const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  ki: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

/** Bytes of `text`; throws a one-line error naming `what` on anything else. */
export function parseSize(what: string, text: string, bareUnitBytes: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = m?.[2] ? UNITS[m[2].toLowerCase()] : bareUnitBytes;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0)
    throw new Error(`${what} "${text}": expected a size such as 4GiB, 512MiB or 8G`);
  return Math.round(bytes);
}
