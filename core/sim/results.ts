// What a simulation run measured, and how it is summed up (SPEC §11 `simulate --json`
// fields first; more fields after them). Collects per-step samples from the model.
import type { SimCluster } from './model';
import { WEB_TIMEOUT_SECONDS } from './web';

/** A VM that comes back to a host it left at most this long ago counts in `returns_within_30min`. */
export const RETURN_WINDOW_SECONDS = 30 * 60;

export interface VmResult {
  vm: string;
  workload: string;
  hostStart: string;
  hostEnd: string;
  requests: number;
  responses: number;
  /** Responses per second over the run. */
  throughput: number;
  /** responses / requests (the paper's "response rate" of one VM). */
  responseRate: number;
  responseTimeMeanSeconds: number | null;
  slaViolationMinutes: number;
  migrations: number;
}

export interface SimResult {
  scenario: string;
  mode: string;
  /** Total responses per second over the run, all web VMs. */
  throughput_total: number;
  response_time_mean_s: number;
  response_time_p95_s: number;
  sla_violation_vm_minutes: number;
  migrations: number;
  ping_pongs: number;
  migration_time_mean_s: number;
  /** Mean over hosts of the standard deviation over time of per-minute host CPU utilisation (0..1). */
  host_cpu_stddev: number;
  // ---- additional fields ----
  seed: number;
  duration_s: number;
  requests_total: number;
  responses_total: number;
  dropped_total: number;
  /** Mean over minutes of the standard deviation across hosts of CPU utilisation (balance). */
  host_cpu_imbalance: number;
  migrations_failed: number;
  /** Migrations still running when the run ended. */
  migrations_in_flight: number;
  /** VMs left on hosts in maintenance at the end (an evacuation's leftovers). */
  vms_on_maintenance_hosts: number;
  migration_downtime_mean_ms: number;
  local_actions: number;
  vms: VmResult[];
  /** Per host, CPU utilisation per minute (0..1). */
  host_cpu_per_minute: Record<string, number[]>;
  // ---- issue 12: honest metrics ----
  /** Completed migrations that took a VM back to a host it had been on before (at any time). */
  returns: number;
  /** Returns to a host the VM had left at most 30 minutes before. */
  returns_within_30min: number;
  /** Requests web VMs never answered: abandoned after the client timeout or refused by a full queue (= dropped_total). */
  dropped_requests: number;
  /**
   * 95th percentile of the response time over requests (each request once: service time
   * plus its own queueing delay); a dropped request counts as the client timeout (30 s).
   * `response_time_p95_s` is the p95 of per-step mean response times, weighted by responses.
   */
  response_time_p95_request_s: number;
  /**
   * VM-seconds spent migrating: the summed duration of every migration started (completed,
   * aborted or still running at the end), downtime included — the time a VM ran slowed by
   * dirty-page tracking with its host's NIC and CPU shared with the copy.
   */
  migration_cost_vm_seconds: number;
  /** Migrations the planner considered and declined because their cost exceeded their relief (vmpilot modes). */
  migrations_declined: number;
  /** Wall time of the run in ms, when the caller measured it (the CLI does; the model never reads a clock). */
  wall_ms?: number;
  // ---- issue 16: what the plotted report draws (not printed by `--json`) ----
  /** All web VMs, per minute: requests/s, responses/s and the mean response time (null: no response that minute). */
  web_per_minute: WebPerMinute;
  /** Every migration the model started, in start order; times in seconds since the run's start. */
  migration_timeline: MigrationSpan[];
}

export interface WebPerMinute {
  requests_per_s: number[];
  throughput: number[];
  response_time_mean_s: (number | null)[];
}

export interface MigrationSpan {
  vm: string;
  from: string;
  to: string;
  start_s: number;
  /** When it ended, or the run's end for one still running. */
  end_s: number;
  result: 'completed' | 'aborted' | 'running';
  downtime_ms: number;
}

/** The per-minute series and the timeline: what `--json` leaves out (kept for the report). */
export const RESULT_SERIES_FIELDS = ['host_cpu_per_minute', 'web_per_minute', 'migration_timeline'] as const;
export type SimResultSummary = Omit<SimResult, (typeof RESULT_SERIES_FIELDS)[number]>;

/** The object `simulate --json` prints: the result without its per-minute series. */
export function resultSummary(r: SimResult): SimResultSummary {
  const { host_cpu_per_minute: _h, web_per_minute: _w, migration_timeline: _m, ...summary } = r;
  return summary;
}

/** A migration A→B of a VM that had come B→A within `windowSeconds` is a ping-pong. */
export function countPingPongs(
  migrations: readonly { vm: string; from: string; to: string; startedAtMs: number; result: string }[],
  windowSeconds: number,
): number {
  const lastMove = new Map<string, { from: string; to: string; at: number }>();
  let n = 0;
  for (const m of [...migrations]
    .filter((x) => x.result === 'completed')
    .sort((a, b) => a.startedAtMs - b.startedAtMs)) {
    const prev = lastMove.get(m.vm);
    if (prev && prev.from === m.to && prev.to === m.from && (m.startedAtMs - prev.at) / 1000 <= windowSeconds)
      n++;
    lastMove.set(m.vm, { from: m.from, to: m.to, at: m.startedAtMs });
  }
  return n;
}

export function weightedQuantile(samples: readonly [number, number][], q: number): number {
  const total = samples.reduce((a, s) => a + s[1], 0);
  if (total <= 0) return 0;
  const sorted = [...samples].sort((a, b) => a[0] - b[0]);
  let acc = 0;
  for (const [v, w] of sorted) {
    acc += w;
    if (acc >= q * total) return v;
  }
  return sorted[sorted.length - 1][0];
}

export function stddev(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

/** Returns of a VM to a host it was on before: all of them, and those within `windowSeconds` of leaving it. */
export function countReturns(
  migrations: readonly { vm: string; from: string; to: string; startedAtMs: number; result: string }[],
  windowSeconds: number,
): { returns: number; within: number } {
  // Per VM: when it last left each host.
  const leftAt = new Map<string, Map<string, number>>();
  let returns = 0;
  let within = 0;
  for (const m of [...migrations]
    .filter((x) => x.result === 'completed')
    .sort((a, b) => a.startedAtMs - b.startedAtMs)) {
    let left = leftAt.get(m.vm);
    if (!left) leftAt.set(m.vm, (left = new Map()));
    const at = left.get(m.to);
    if (at !== undefined) {
      returns++;
      if ((m.startedAtMs - at) / 1000 <= windowSeconds) within++;
    }
    left.set(m.from, m.startedAtMs);
  }
  return { returns, within };
}

/** Per-request response times, 1-ms bins up to the client timeout (exact to the millisecond, O(1) memory). */
export class RequestHistogram {
  private readonly bins = new Float64Array(WEB_TIMEOUT_SECONDS * 1000 + 1);
  private total = 0;

  add(seconds: number, count: number): void {
    if (!(count > 0)) return;
    const i = Math.min(this.bins.length - 1, Math.max(0, Math.round(seconds * 1000)));
    this.bins[i] += count;
    this.total += count;
  }

  quantile(q: number): number {
    if (this.total <= 0) return 0;
    let acc = 0;
    for (let i = 0; i < this.bins.length; i++) {
      acc += this.bins[i];
      if (acc >= q * this.total) return i / 1000;
    }
    return (this.bins.length - 1) / 1000;
  }
}

interface WebTotals {
  requests: number;
  responses: number;
  responseTimeSum: number;
}

/** Accumulates what the result needs, step by step. */
export class ResultCollector {
  private rtSamples: [number, number][] = [];
  private readonly perRequest = new RequestHistogram();
  private minuteStartCore = new Map<string, number>();
  private minuteStartMs: number;
  readonly hostCpuPerMinute: Record<string, number[]> = {};
  private readonly webPerMinute: WebPerMinute = {
    requests_per_s: [],
    throughput: [],
    response_time_mean_s: [],
  };
  private minuteStartWeb: WebTotals;
  private readonly hostStart = new Map<string, string>();

  constructor(private readonly model: SimCluster) {
    this.minuteStartMs = model.nowMs;
    for (const h of model.hosts.values()) {
      this.minuteStartCore.set(h.name, h.usedCoreSeconds);
      this.hostCpuPerMinute[h.name] = [];
    }
    for (const v of model.vms.values()) this.hostStart.set(v.name, v.host);
    this.minuteStartWeb = this.webTotals();
  }

  private webTotals(): WebTotals {
    const t = { requests: 0, responses: 0, responseTimeSum: 0 };
    for (const v of this.model.vms.values()) {
      if (!v.web) continue;
      t.requests += v.counters.appRequests;
      t.responses += v.counters.appResponses;
      t.responseTimeSum += v.counters.appResponseTimeSum;
    }
    return t;
  }

  /** Call after every model step of `dt` seconds. */
  afterStep(dt: number): void {
    for (const v of this.model.vms.values()) {
      if (!v.web || v.state !== 'running') continue;
      const served = v.last.responsesPerSecond * dt;
      if (served > 0) this.rtSamples.push([v.last.responseTimeSeconds, served]);
      for (const [rt, n] of v.servedSamples) this.perRequest.add(rt, n);
    }
    const elapsed = (this.model.nowMs - this.minuteStartMs) / 1000;
    if (elapsed >= 60 - 1e-9) {
      for (const h of this.model.hosts.values()) {
        const used = h.usedCoreSeconds - (this.minuteStartCore.get(h.name) ?? 0);
        this.hostCpuPerMinute[h.name].push(used / elapsed / h.cpus);
        this.minuteStartCore.set(h.name, h.usedCoreSeconds);
      }
      const web = this.webTotals();
      const served = web.responses - this.minuteStartWeb.responses;
      this.webPerMinute.requests_per_s.push((web.requests - this.minuteStartWeb.requests) / elapsed);
      this.webPerMinute.throughput.push(served / elapsed);
      this.webPerMinute.response_time_mean_s.push(
        served > 0 ? (web.responseTimeSum - this.minuteStartWeb.responseTimeSum) / served : null,
      );
      this.minuteStartWeb = web;
      this.minuteStartMs = this.model.nowMs;
    }
  }

  finish(
    scenario: string,
    mode: string,
    extra: { seed: number; localActions: number; pingPongWindowSeconds: number; migrationsDeclined?: number },
  ): SimResult {
    const m = this.model;
    const duration = m.elapsedSeconds();
    const vms: VmResult[] = [...m.vms.values()].map((v) => {
      const c = v.counters;
      return {
        vm: v.name,
        workload: v.workload,
        hostStart: this.hostStart.get(v.name) ?? v.host,
        hostEnd: v.host,
        requests: c.appRequests,
        responses: c.appResponses,
        throughput: c.appResponses / duration,
        responseRate: c.appRequests > 0 ? c.appResponses / c.appRequests : 1,
        responseTimeMeanSeconds: c.appResponses > 0 ? c.appResponseTimeSum / c.appResponses : null,
        slaViolationMinutes: c.slaViolationSeconds / 60,
        migrations: m.migrations.filter((x) => x.vm === v.name && x.result === 'completed').length,
      };
    });
    const sum = (f: (v: VmResult) => number) => vms.reduce((a, v) => a + f(v), 0);
    const responses = sum((v) => v.responses);
    const rtSum = [...m.vms.values()].reduce((a, v) => a + v.counters.appResponseTimeSum, 0);
    const done = m.migrations.filter((x) => x.result === 'completed');
    const minutes = Object.values(this.hostCpuPerMinute);
    const nMinutes = Math.min(...minutes.map((x) => x.length));
    const acrossHosts: number[] = [];
    for (let i = 0; i < nMinutes; i++) acrossHosts.push(stddev(minutes.map((x) => x[i])));
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const dropped = [...m.vms.values()].reduce((a, v) => a + v.counters.appDropped, 0);
    this.perRequest.add(WEB_TIMEOUT_SECONDS, dropped);
    const returns = countReturns(m.migrations, RETURN_WINDOW_SECONDS);
    const inFlight = [...m.vms.values()].filter((v) => v.job?.state === 'running');
    return {
      scenario,
      mode,
      throughput_total: responses / duration,
      response_time_mean_s: responses > 0 ? rtSum / responses : 0,
      response_time_p95_s: weightedQuantile(this.rtSamples, 0.95),
      sla_violation_vm_minutes: sum((v) => v.slaViolationMinutes),
      migrations: done.length,
      ping_pongs: countPingPongs(m.migrations, extra.pingPongWindowSeconds),
      migration_time_mean_s: mean(done.map((x) => x.durationSeconds)),
      host_cpu_stddev: mean(minutes.map((x) => stddev(x))),
      seed: extra.seed,
      duration_s: duration,
      requests_total: sum((v) => v.requests),
      responses_total: responses,
      dropped_total: dropped,
      host_cpu_imbalance: mean(acrossHosts),
      migrations_failed: m.migrations.length - done.length,
      migrations_in_flight: inFlight.length,
      vms_on_maintenance_hosts: [...m.vms.values()].filter(
        (v) => m.host(v.host).maintenance && v.state !== 'shutoff',
      ).length,
      migration_downtime_mean_ms: mean(done.map((x) => x.downtimeSeconds * 1000)),
      local_actions: extra.localActions,
      returns: returns.returns,
      returns_within_30min: returns.within,
      dropped_requests: dropped,
      response_time_p95_request_s: this.perRequest.quantile(0.95),
      migration_cost_vm_seconds:
        m.migrations.reduce((a, x) => a + x.durationSeconds, 0) +
        inFlight.reduce((a, v) => a + (v.job?.elapsedSeconds ?? 0), 0),
      migrations_declined: extra.migrationsDeclined ?? 0,
      vms,
      host_cpu_per_minute: this.hostCpuPerMinute,
      web_per_minute: this.webPerMinute,
      migration_timeline: [
        ...m.migrations.map((x): MigrationSpan => ({
          vm: x.vm,
          from: x.from,
          to: x.to,
          start_s: (x.startedAtMs - m.startMs) / 1000,
          end_s: (x.finishedAtMs - m.startMs) / 1000,
          result: x.result,
          downtime_ms: x.downtimeSeconds * 1000,
        })),
        ...inFlight.map((v): MigrationSpan => ({
          vm: v.name,
          from: v.job?.from ?? v.host,
          to: v.job?.to ?? '?',
          start_s: ((v.job?.startedAtMs ?? m.nowMs) - m.startMs) / 1000,
          end_s: duration,
          result: 'running',
          downtime_ms: (v.job?.downtimeSeconds ?? 0) * 1000,
        })),
      ].sort((a, b) => a.start_s - b.start_s),
    };
  }
}
