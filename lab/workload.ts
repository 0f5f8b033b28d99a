// A guest's workload, as set on the kernel command line and given on the CLI
// (`--workload cpu=1,mem=64,dirty=8`).

export interface Workload {
  /** CPU burner loops. */
  cpu: number;
  /** MiB of memory the toucher holds (0: none). */
  mem: number;
  /** MiB/s at which that memory is rewritten (0: written once). */
  dirty: number;
}

export const DEFAULT_WORKLOAD: Workload = { cpu: 1, mem: 0, dirty: 0 };

/** Parses `cpu=1,mem=64,dirty=8` (any subset; the rest from the default). */
export function parseWorkload(spec: string): Workload {
  const w: Workload = { ...DEFAULT_WORKLOAD };
  for (const part of spec.split(',').filter((p) => p.trim() !== '')) {
    const m = /^\s*(cpu|mem|dirty)=(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`invalid workload "${part}" in "${spec}" (expected cpu=N,mem=MiB,dirty=MiB/s)`);
    w[m[1] as keyof Workload] = Number(m[2]);
  }
  if (w.dirty > 0 && w.mem === 0)
    throw new Error(`workload "${spec}": dirty= needs mem= (the memory it rewrites)`);
  return w;
}

export const workloadCmdline = (w: Workload) =>
  `vmpilot.cpu=${w.cpu} vmpilot.mem=${w.mem} vmpilot.dirty=${w.dirty}`;

export const formatWorkload = (w: Workload) => `cpu=${w.cpu},mem=${w.mem},dirty=${w.dirty}`;
