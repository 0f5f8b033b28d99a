// Lists a "newc" cpio archive (the initramfs format) in memory: the host has no cpio, and
// the only busybox with one is inside the archive under test.

export interface CpioEntry {
  name: string;
  mode: number;
  data: Buffer;
}

const HEADER = 110;
const pad4 = (n: number) => (n + 3) & ~3;

export function readNewc(archive: Buffer): CpioEntry[] {
  const out: CpioEntry[] = [];
  let at = 0;
  while (at + HEADER <= archive.length) {
    const magic = archive.toString('latin1', at, at + 6);
    if (magic !== '070701') throw new Error(`not a newc cpio entry at byte ${at} (${magic})`);
    const hex = (i: number) => parseInt(archive.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = hex(1);
    const size = hex(6);
    const nameSize = hex(11);
    const name = archive.toString('latin1', at + HEADER, at + HEADER + nameSize - 1);
    const dataAt = pad4(at + HEADER + nameSize);
    if (name === 'TRAILER!!!') break;
    out.push({ name: name.replace(/^\.\//, ''), mode, data: archive.subarray(dataAt, dataAt + size) });
    at = pad4(dataAt + size);
  }
  return out;
}
