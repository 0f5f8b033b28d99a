// Reads a JSON-lines file by streaming (fixed-size chunks, synchronously: the journal is
// opened before anything else runs), so its size is bounded by the disk, not by Node's
// largest string. A line longer than `maxLineBytes` is reported as too long (its first
// bytes kept for the quarantine), never accumulated whole.
import { closeSync, openSync, readSync } from 'node:fs';

export interface FileLine {
  /** 1-based line number. */
  lineNo: number;
  /** The line without its newline (its first `maxLineBytes` when too long). */
  text: string;
  tooLong: boolean;
}

export interface LineScan {
  /** Bytes up to and including the last newline: what a torn tail is cut back to. */
  completeBytes: number;
  /** Bytes after the last newline (an unfinished write). */
  tornBytes: number;
}

const CHUNK = 1 << 20;

/** Calls `onLine` for every complete line of `file`; returns where the complete lines end. */
export function scanLines(file: string, onLine: (l: FileLine) => void, maxLineBytes = 1 << 20): LineScan {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let parts: Buffer[] = [];
    let partBytes = 0;
    let tooLong = false;
    let lineNo = 0;
    let offset = 0;
    let completeBytes = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, offset);
      if (n === 0) break;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        const end = nl === -1 || nl >= n ? n : nl;
        const piece = buf.subarray(start, end);
        if (!tooLong) {
          const room = maxLineBytes - partBytes;
          if (piece.length > room) {
            parts.push(Buffer.from(piece.subarray(0, room)));
            partBytes += room;
            tooLong = true;
          } else {
            parts.push(Buffer.from(piece));
            partBytes += piece.length;
          }
        }
        if (end === n) break;
        lineNo++;
        onLine({ lineNo, text: Buffer.concat(parts).toString('utf8'), tooLong });
        completeBytes = offset + nl + 1;
        parts = [];
        partBytes = 0;
        tooLong = false;
        start = nl + 1;
      }
      offset += n;
    }
    return { completeBytes, tornBytes: offset - completeBytes };
  } finally {
    closeSync(fd);
  }
}
