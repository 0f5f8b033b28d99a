// Benchmark: how many busy lab guests this machine runs responsively. Starts the lab
// (vmpilot lab up) and grows it to each guest count in turn (default 2, 4, 8; guests
// alternate between the two hosts, each with one CPU burner), waits until every guest
// reports, then counts each guest's progress lines (one a second when the guest keeps up)
// and burner iterations over a window. Takes the lab down at the end.
// `npm run bench -- lab-capacity [counts=2,4,8] [window-seconds=30]` (root).
import os from 'node:os';
import path from 'node:path';
import { readProgress } from '../lab/guests';
import { labDown, labUp } from '../lab/lab';
import type { LabState } from '../lab/state';
import { parseWorkload } from '../lab/workload';

interface Row {
  guests: number;
  linesPerSecMin: number;
  linesPerSecMedian: number;
  iterationsPerSecMedian: number;
  loadAverage1m: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitAllReporting(state: LabState, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const silent = state.guests.filter((g) => readProgress(g.serialLog).length < 2);
    if (silent.length === 0) return;
    if (Date.now() > until)
      throw new Error(
        `guests not reporting after ${deadlineMs / 1000} s: ${silent.map((g) => g.name).join(', ')}`,
      );
    await pause(1000);
  }
}

async function measure(state: LabState, windowSec: number): Promise<Row> {
  const before = new Map(state.guests.map((g) => [g.name, readProgress(g.serialLog)]));
  const t0 = performance.now();
  await pause(windowSec * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const lines: number[] = [];
  const iterations: number[] = [];
  for (const g of state.guests) {
    const a = before.get(g.name) ?? [];
    const b = readProgress(g.serialLog);
    lines.push((b.length - a.length) / seconds);
    const first = a[a.length - 1]?.cpuIterations ?? 0;
    iterations.push(((b[b.length - 1]?.cpuIterations ?? first) - first) / seconds);
  }
  return {
    guests: state.guests.length,
    linesPerSecMin: Math.min(...lines),
    linesPerSecMedian: median(lines),
    iterationsPerSecMedian: median(iterations),
    loadAverage1m: os.loadavg()[0],
  };
}

async function main(): Promise<void> {
  const counts = (process.argv[2] ?? '2,4,8').split(',').map(Number);
  const windowSec = Number(process.argv[3] ?? 30);
  const stateDir = path.join(os.tmpdir(), `vmpilot-bench-lab-${process.pid}`);
  const rows: Row[] = [];
  try {
    for (const n of counts) {
      const state = await labUp({ guests: n, workloads: [parseWorkload('cpu=1')], stateDir });
      await waitAllReporting(state, 300_000);
      const row = await measure(state, windowSec);
      rows.push(row);
      process.stdout.write(
        `${n} guests: progress lines/s per guest min ${row.linesPerSecMin.toFixed(2)} median ${row.linesPerSecMedian.toFixed(2)}, ` +
          `burner iterations/s median ${Math.round(row.iterationsPerSecMedian)}, load ${row.loadAverage1m.toFixed(1)}\n`,
      );
    }
  } finally {
    await labDown({ stateDir });
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'lab-capacity', windowSec, cpus: os.cpus().length, rows })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`lab-capacity: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
