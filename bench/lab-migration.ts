// Benchmark: the pre-copy model against real live migrations (issue 11 item 5). Starts the
// lab (vmpilot lab up) with guests of several memory sizes and dirty rates on lab-a, in
// batches (at most 3 guests at once: TCG on 2 cores), waits until each guest's workload
// runs, measures its dirty rate (libvirt's dirty-rate calculation, page-sampling mode, read
// back through the port's `dirtyrate` stats group), migrates it once to lab-b through
// vmpilot's own HypervisorPort (connectHypervisors + port.migrate, as
// test/lab/lab.test.ts) and puts the measured
// duration and downtime next to what the planner's estimate predicts: the one pre-copy
// model (core/model/precopy.ts) with the planner's engine parameters
// (`planner.migration` defaults, i.e. the calibrated ones), the guest's balloon as memory
// and the observed dirty rate, as autoscaler/decision/migration-cost.ts does. The dirty
// rate used is the first positive one of: the stats measurement, the highest the migration
// job reported (onProgress), the rate the workload was told; all three are in the JSON
// (under TCG the page-sampling measurement reads 0 MiB/s even for a guest told to
// dirty 32 MiB/s, and the dirty-bitmap mode crashed QEMU, so it is not used). The model is
// not refitted; as a diagnostic it is also run with the bandwidth each migration achieved
// (transferred bytes / duration). The planner's estimate is the one a service on this
// cluster would make: QEMU's stop rule (its default 300 ms downtime limit, as the bench sets
// none) and the switch-over cost learned from the migrations before it in this run
// (core/model/switchover.ts; the first has none), next to the model of the previous session
// (48 MiB stop threshold alone, no switch-over cost). Takes the lab down at the end.
// `npm run bench -- lab-migration [MEM:TOUCH:DIRTY,…]` (root; guest MiB : workload mem MiB
// : dirty MiB/s; default 128:48:0,256:128:8,384:192:32,128:48:16,256:128:32,384:192:0).
import os from 'node:os';
import path from 'node:path';
import { defaultPlannerConfig } from '../autoscaler/decision/config';
import { connectHypervisors } from '../core/hypervisor/connect';
import type { HypervisorPort, MigrationResult } from '../core/hypervisor/port';
import { residentMemoryBytes } from '../core/model/footprint';
import { MiB, preCopy, QEMU_DEFAULT_MAX_DOWNTIME_SECONDS, type PreCopyEstimate } from '../core/model/precopy';
import { learnedSwitchoverSeconds, type SwitchoverSample } from '../core/model/switchover';
import { readProgress } from '../lab/guests';
import type { GuestProgress } from '../lab/progress';
import { labDown, labUp } from '../lab/lab';
import type { LabState } from '../lab/state';
import { virsh } from '../lab/virsh';
import { formatWorkload, type Workload } from '../lab/workload';

interface Case {
  memoryMiB: number;
  workload: Workload;
}

type DirtySource = 'guest' | 'stats' | 'job' | 'workload';

interface Row {
  vm: string;
  memoryMiB: number;
  workload: string;
  /** The guest's memory (balloon), the model's M. */
  modelMemoryBytes: number;
  /** Touched memory the model copies in round 0: the footprint rule (core/model/footprint.ts). */
  touchedBytes: number;
  /** The balloon readings the footprint came from. */
  balloon: { currentBytes?: number; unusedBytes?: number; rssBytes?: number };
  dirtyRateBytesPerSecond: number;
  dirtySource: DirtySource;
  /**
   * Every dirty rate seen, bytes/second: the guest's own count of MiB rewritten (progress
   * line dirtied=, over the seconds before the migration), libvirt's page-sampling
   * measurement, the migration job's, the rate the workload was told.
   */
  dirtyRates: { guest?: number; stats?: number; job?: number; workload: number };
  measured: { seconds: number; downtimeMs?: number; transferredBytes?: number; iterations?: number };
  /** The planner's estimate: QEMU's stop rule and the switch-over cost learned so far. */
  predicted: {
    seconds: number;
    downtimeMs: number;
    stopCopyMs: number;
    transferredBytes: number;
    rounds: number;
    switchoverMs: number;
  };
  /** The model before QEMU's stop rule and the switch-over cost (48 MiB threshold alone). */
  previous: { seconds: number; downtimeMs: number; rounds: number };
  /** Bandwidth achieved: transferred bytes / measured duration. */
  achievedBytesPerSecond?: number;
  /** The same model at the achieved bandwidth (a diagnostic, not a recalibration). */
  atAchieved?: { seconds: number; downtimeMs: number; rounds: number };
  /** The model before round 0 was bounded by touched memory (whole balloon), for comparison. */
  wholeMemory: { seconds: number; downtimeMs: number };
  /**
   * Measured downtime minus the model's last round at the achieved bandwidth: what a fixed
   * switch-over cost (pause, device state, resume on the destination) would have to be.
   */
  switchoverResidualMs?: number;
}

const BATCH = 3;
const DEFAULT_CASES = '128:48:0,256:128:8,384:192:32,128:48:16,256:128:32,384:192:0';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => b / MiB;

function parseCases(spec: string): Case[] {
  return spec.split(',').map((c) => {
    const m = /^(\d+):(\d+):(\d+)$/.exec(c.trim());
    if (!m) throw new Error(`bad case "${c}" (expected GUEST_MiB:MEM_MiB:DIRTY_MiB/s)`);
    return {
      memoryMiB: Number(m[1]),
      workload: { cpu: 1, mem: Number(m[2]), dirty: Number(m[3]) },
    };
  });
}

/** Waits until the guest reports with its counter moving and its buffer has had time to fill. */
async function waitWorkload(serialLog: string, w: Workload, deadlineMs: number): Promise<void> {
  const fillSeconds = w.dirty > 0 ? Math.min(30, w.mem / w.dirty) : 0;
  const until = Date.now() + deadlineMs;
  for (;;) {
    const p = readProgress(serialLog);
    if (p.length >= 3) {
      const first = p[0];
      const last = p[p.length - 1];
      if (
        last.cpuIterations > first.cpuIterations &&
        last.uptimeSeconds - first.uptimeSeconds >= fillSeconds + 3
      )
        return;
    }
    if (Date.now() > until)
      throw new Error(`${serialLog}: workload not running after ${deadlineMs / 1000} s`);
    await pause(1000);
  }
}

/** libvirt's dirty-rate calculation on the source, read back through the port's stats. */
async function measuredDirtyRate(
  port: HypervisorPort,
  uri: string,
  host: string,
  name: string,
): Promise<{ dirty?: number; balloon?: { currentBytes?: number; unusedBytes?: number; rssBytes?: number } }> {
  let calcOk = true;
  await virsh(uri, 'domdirtyrate-calc', name, '--seconds', '3').catch(() => {
    calcOk = false;
  });
  if (calcOk) await pause(4500);
  const stats = await port.getStats(host, { groups: ['balloon', 'dirtyrate'] });
  const vm = stats.vms.find((v) => v.name === name);
  const bal = vm?.balloon;
  return {
    dirty: vm?.dirtyRateBytesPerSecond,
    balloon: bal && { currentBytes: bal.currentBytes, unusedBytes: bal.unusedBytes, rssBytes: bal.rssBytes },
  };
}

/** The rate the guest itself reports rewriting (dirtied= MiB over uptime), bytes/second. */
function guestDirtyRate(before: GuestProgress[], after: GuestProgress[]): number | undefined {
  const a = before[before.length - 1];
  const b = after[after.length - 1];
  if (a?.dirtiedMiB === undefined || b?.dirtiedMiB === undefined) return undefined;
  const dt = b.uptimeSeconds - a.uptimeSeconds;
  return dt > 0 ? ((b.dirtiedMiB - a.dirtiedMiB) * MiB) / dt : undefined;
}

/** What a service on this cluster knows besides the VM: the hypervisor's stop rule, C. */
interface ClusterTerms {
  maxDowntimeSeconds?: number;
  switchoverSeconds?: number;
}

function estimate(
  memoryBytes: number,
  touchedBytes: number,
  dirty: number,
  terms: ClusterTerms,
  bandwidth?: number,
): PreCopyEstimate {
  const engine = defaultPlannerConfig().migration;
  return preCopy({
    bandwidthBytesPerSecond: bandwidth ?? engine.bandwidthBytesPerSecond,
    stopBytes: engine.stopBytes,
    maxRounds: engine.maxRounds,
    ...terms,
    memoryBytes,
    touchedBytes,
    dirtyRateBytesPerSecond: dirty,
    competingBytesPerSecond: 0, // lab guests send nothing on the migration link
  });
}

async function migrateOne(
  port: HypervisorPort,
  state: LabState,
  guest: { name: string; serialLog: string },
  c: Case,
  history: readonly SwitchoverSample[],
): Promise<Row> {
  const [a, b] = state.hosts;
  const name = guest.name;
  const before = readProgress(guest.serialLog);
  const observed = await measuredDirtyRate(port, a.uri, a.name, name);
  const guestDirty = guestDirtyRate(before, readProgress(guest.serialLog));
  let jobDirty: number | undefined;
  const result: MigrationResult = await port.migrate(
    { host: a.name, name },
    { host: b.name, uri: b.uri },
    {
      timeoutMs: 180_000,
      onProgress: (p) => {
        if (p.memDirtyRateBytesPerSecond !== undefined && p.memDirtyRateBytesPerSecond > 0)
          jobDirty = Math.max(jobDirty ?? 0, p.memDirtyRateBytesPerSecond);
      },
    },
  );
  const dirtyRates = {
    guest: guestDirty,
    stats: observed.dirty,
    job: jobDirty,
    workload: c.workload.dirty * MiB,
  };
  // The guest's own count first: it is what the workload really did (a rate of 0 is a real 0).
  // Without it, the first positive one of the others.
  const others: [number | undefined, DirtySource][] = [
    [dirtyRates.stats, 'stats'],
    [dirtyRates.job, 'job'],
    [dirtyRates.workload, 'workload'],
  ];
  const [dirty, dirtySource]: [number, DirtySource] =
    dirtyRates.guest !== undefined
      ? [dirtyRates.guest, 'guest']
      : ((others.find(([r]) => r !== undefined && r > 0) ?? [0, 'workload']) as [number, DirtySource]);
  const memoryBytes = observed.balloon?.currentBytes ?? c.memoryMiB * MiB;
  const touchedBytes = residentMemoryBytes({ ...observed.balloon, balloonBytes: memoryBytes });
  const terms: ClusterTerms = {
    maxDowntimeSeconds: QEMU_DEFAULT_MAX_DOWNTIME_SECONDS,
    switchoverSeconds: learnedSwitchoverSeconds(history) ?? 0,
  };
  const p = estimate(memoryBytes, touchedBytes, dirty, terms);
  const prev = estimate(memoryBytes, touchedBytes, dirty, {});
  const whole = estimate(memoryBytes, memoryBytes, dirty, {});
  const row: Row = {
    vm: name,
    memoryMiB: c.memoryMiB,
    workload: formatWorkload(c.workload),
    modelMemoryBytes: memoryBytes,
    touchedBytes,
    balloon: observed.balloon ?? {},
    dirtyRateBytesPerSecond: dirty,
    dirtySource,
    dirtyRates,
    measured: {
      seconds: result.durationSeconds,
      downtimeMs: result.downtimeMs,
      transferredBytes: result.transferredBytes,
      iterations: result.iterations,
    },
    wholeMemory: { seconds: whole.migrationSeconds, downtimeMs: whole.downtimeSeconds * 1000 },
    predicted: {
      seconds: p.migrationSeconds,
      downtimeMs: p.downtimeSeconds * 1000,
      stopCopyMs: p.stopCopySeconds * 1000,
      transferredBytes: p.transferredBytes,
      rounds: p.rounds,
      switchoverMs: (terms.switchoverSeconds ?? 0) * 1000,
    },
    previous: {
      seconds: prev.migrationSeconds,
      downtimeMs: prev.downtimeSeconds * 1000,
      rounds: prev.rounds,
    },
  };
  if (result.transferredBytes && result.durationSeconds > 0) {
    row.achievedBytesPerSecond = result.transferredBytes / result.durationSeconds;
    const q = estimate(memoryBytes, touchedBytes, dirty, {}, row.achievedBytesPerSecond);
    row.atAchieved = { seconds: q.migrationSeconds, downtimeMs: q.downtimeSeconds * 1000, rounds: q.rounds };
    if (result.downtimeMs !== undefined)
      row.switchoverResidualMs = result.downtimeMs - q.downtimeSeconds * 1000;
  }
  // done with it: power it off on lab-b (it stays defined there, so lab up does not restart it)
  await port.stop({ host: b.name, name }, { force: true }).catch(() => undefined);
  return row;
}

/** Mean |predicted − measured| / measured over the pairs with a positive measurement. */
function mare(pairs: [number | undefined, number | undefined][]): number | null {
  const errs = pairs
    .filter((x): x is [number, number] => x[0] !== undefined && x[1] !== undefined && x[1] > 0)
    .map(([p, m]) => Math.abs(p - m) / m);
  return errs.length ? errs.reduce((s, e) => s + e, 0) / errs.length : null;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined ? '-' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(0)} %`);

function printTable(rows: Row[]): void {
  const head = [
    'vm',
    'MiB',
    'workload',
    'dirty MiB/s guest/stats/job/told',
    'touched MiB',
    'used (src)',
    'meas s',
    'meas dt ms',
    'sent MiB',
    'iter',
    'prev s',
    'prev dt ms',
    'pred s',
    'pred dt ms',
    'C ms',
    'rounds',
    'achieved MiB/s',
    'pred@achieved s',
    'dt ms',
    'dt residual ms',
  ];
  const lines = rows.map((r) => [
    r.vm,
    String(r.memoryMiB),
    r.workload,
    [r.dirtyRates.guest, r.dirtyRates.stats, r.dirtyRates.job, r.dirtyRates.workload]
      .map((x) => (x === undefined ? '-' : fmt(mib(x))))
      .join('/'),
    fmt(mib(r.touchedBytes), 0),
    `${fmt(mib(r.dirtyRateBytesPerSecond))} (${r.dirtySource})`,
    fmt(r.measured.seconds, 2),
    fmt(r.measured.downtimeMs, 0),
    r.measured.transferredBytes === undefined ? '-' : fmt(mib(r.measured.transferredBytes)),
    r.measured.iterations === undefined ? '-' : String(r.measured.iterations),
    fmt(r.previous.seconds, 2),
    fmt(r.previous.downtimeMs, 0),
    fmt(r.predicted.seconds, 2),
    fmt(r.predicted.downtimeMs, 0),
    fmt(r.predicted.switchoverMs, 0),
    String(r.predicted.rounds),
    r.achievedBytesPerSecond === undefined ? '-' : fmt(mib(r.achievedBytesPerSecond), 0),
    fmt(r.atAchieved?.seconds, 2),
    fmt(r.atAchieved?.downtimeMs, 0),
    fmt(r.switchoverResidualMs, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const l of [head, ...lines])
    process.stdout.write(`${l.map((c, i) => c.padStart(widths[i])).join('  ')}\n`);
}

async function main(): Promise<void> {
  const cases = parseCases(process.argv[2] ?? DEFAULT_CASES);
  // the machine is shared: TCG's bandwidth follows its load, so the run records it
  const loadBefore = os.loadavg();
  const stateDir = path.join(os.tmpdir(), `vmpilot-bench-lab-migration-${process.pid}`);
  const engine = defaultPlannerConfig().migration;
  const rows: Row[] = [];
  // the switch-over samples a journal on this cluster would hold: the migrations so far
  const switchover: SwitchoverSample[] = [];
  let port: HypervisorPort | undefined;
  try {
    for (let start = 0; start < cases.length; start += BATCH) {
      const batch = cases.slice(start, start + BATCH).map((c, j) => ({ c, index: start + j + 1 }));
      let state: LabState | undefined;
      // one `up` per guest: each has its own memory size (guests already there are kept)
      for (const { c, index } of batch)
        state = await labUp({
          guests: index,
          memoryMiB: c.memoryMiB,
          workloads: Array<Workload>(index).fill(c.workload),
          placement: 'lab-a',
          stateDir,
        });
      if (!state) continue;
      port ??= await connectHypervisors(
        state.hosts.map((h) => `${h.name}=${h.uri}`),
        { defaultTimeoutMs: 30_000 },
      );
      for (const { c, index } of batch) {
        const guest = state.guests.find((g) => g.name === `lab-vm-${index}`);
        if (!guest) throw new Error(`lab-vm-${index} missing from the lab state`);
        await waitWorkload(guest.serialLog, c.workload, 300_000);
        const row = await migrateOne(port, state, guest, c, switchover);
        rows.push(row);
        if (row.measured.downtimeMs !== undefined)
          switchover.push({
            at: Date.now(),
            predictedStopCopySeconds: row.predicted.stopCopyMs / 1000,
            measuredDowntimeSeconds: row.measured.downtimeMs / 1000,
          });
        process.stdout.write(
          `${row.vm} (${row.memoryMiB} MiB, ${row.workload}): ${row.measured.seconds.toFixed(2)} s, ` +
            `downtime ${fmt(row.measured.downtimeMs, 0)} ms; model ${row.predicted.seconds.toFixed(2)} s, ` +
            `${row.predicted.downtimeMs.toFixed(0)} ms\n`,
        );
      }
    }
  } finally {
    await port?.close().catch(() => undefined);
    await labDown({ stateDir });
  }
  printTable(rows);
  // the migrations after the first, which had a switch-over cost learned from earlier ones
  const learned = rows.slice(1);
  const error = {
    durationMare: mare(rows.map((r) => [r.predicted.seconds, r.measured.seconds])),
    downtimeMare: mare(rows.map((r) => [r.predicted.downtimeMs, r.measured.downtimeMs])),
    previousDurationMare: mare(rows.map((r) => [r.previous.seconds, r.measured.seconds])),
    previousDowntimeMare: mare(rows.map((r) => [r.previous.downtimeMs, r.measured.downtimeMs])),
    withHistoryDurationMare: mare(learned.map((r) => [r.predicted.seconds, r.measured.seconds])),
    withHistoryDowntimeMare: mare(learned.map((r) => [r.predicted.downtimeMs, r.measured.downtimeMs])),
    withHistoryPreviousDurationMare: mare(learned.map((r) => [r.previous.seconds, r.measured.seconds])),
    withHistoryPreviousDowntimeMare: mare(learned.map((r) => [r.previous.downtimeMs, r.measured.downtimeMs])),
    wholeMemoryDurationMare: mare(rows.map((r) => [r.wholeMemory.seconds, r.measured.seconds])),
    wholeMemoryDowntimeMare: mare(rows.map((r) => [r.wholeMemory.downtimeMs, r.measured.downtimeMs])),
    atAchievedDurationMare: mare(rows.map((r) => [r.atAchieved?.seconds, r.measured.seconds])),
    atAchievedDowntimeMare: mare(rows.map((r) => [r.atAchieved?.downtimeMs, r.measured.downtimeMs])),
  };
  process.stdout.write(
    `mean absolute relative error, planner's estimate (${mib(engine.bandwidthBytesPerSecond)} MiB/s, QEMU's ` +
      `300 ms stop rule, learned switch-over): duration ${pct(error.durationMare)}, downtime ${pct(error.downtimeMare)} ` +
      `(after the first: ${pct(error.withHistoryDurationMare)}, ${pct(error.withHistoryDowntimeMare)}); ` +
      `previous model (48 MiB threshold, no switch-over): duration ${pct(error.previousDurationMare)}, ` +
      `downtime ${pct(error.previousDowntimeMare)} (after the first: ${pct(error.withHistoryPreviousDurationMare)}, ` +
      `${pct(error.withHistoryPreviousDowntimeMare)}); ` +
      `at the achieved bandwidth: duration ${pct(error.atAchievedDurationMare)}, downtime ${pct(error.atAchievedDowntimeMare)}; ` +
      `copying the whole balloon in round 0 (the model before): duration ${pct(error.wholeMemoryDurationMare)}, ` +
      `downtime ${pct(error.wholeMemoryDowntimeMare)}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: 'lab-migration',
      cpus: os.cpus().length,
      loadavg: { before: loadBefore, after: os.loadavg() },
      engine,
      error,
      rows,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`lab-migration: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
