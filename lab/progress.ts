// The lab guest's progress line, written once a second by its /init to ttyS0 and to the
// virtio-serial port org.vmpilot.0, and its parser (a pure function).
//
//   up=12.34 cpu=123456 MemTotal=231992 MemAvailable=180120 ncpu=1 dirtied=96
//
// up: guest uptime (s); cpu: iterations done by all CPU burners since boot; MemTotal and
// MemAvailable: the guest's /proc/meminfo (KiB); ncpu: online CPUs; dirtied: MiB the memory
// toucher has rewritten since boot (absent in images built before it was added).

export interface GuestProgress {
  uptimeSeconds: number;
  cpuIterations: number;
  memTotalKiB: number;
  memAvailableKiB: number;
  onlineCpus: number;
  /** MiB the memory toucher rewrote since boot, when the image reports it. */
  dirtiedMiB?: number;
}

const FIELDS = {
  up: 'uptimeSeconds',
  cpu: 'cpuIterations',
  MemTotal: 'memTotalKiB',
  MemAvailable: 'memAvailableKiB',
  ncpu: 'onlineCpus',
} as const satisfies Record<string, keyof GuestProgress>;

/** Parses one progress line; null when the line is not one (boot messages, a torn line). */
export function parseProgressLine(line: string): GuestProgress | null {
  const values = new Map<string, number>();
  for (const tok of line.trim().split(/\s+/)) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(tok);
    if (m) values.set(m[1], Number(m[2]));
  }
  const out: Partial<GuestProgress> = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    const v = values.get(key);
    if (v === undefined) return null;
    out[field] = v;
  }
  const dirtied = values.get('dirtied');
  if (dirtied !== undefined) out.dirtiedMiB = dirtied;
  return out as GuestProgress;
}

/** All progress lines in a console log, oldest first (other lines are skipped). */
export function parseProgressLog(text: string): GuestProgress[] {
  const out: GuestProgress[] = [];
  for (const line of text.split(/\r?\n/)) {
    const p = parseProgressLine(line);
    if (p) out.push(p);
  }
  return out;
}
