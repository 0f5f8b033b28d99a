// A web server VM as a queue. Requests arrive at the trace's rate; each costs
// `costCpuSeconds` of CPU (more when the guest swaps or migrates); the CPU the scheduler
// gave the VM this step serves the backlog FIFO. The backlog is kept as cohorts by arrival
// time: clients give up on a request older than the client timeout (httperf-style), and
// what exceeds the queue limit is refused; both count as dropped.
// Response time = service time + queueing delay (Little's law: backlog / throughput).
// Pure: the model calls it once per VM and step.

/** Client timeout: a request waiting longer is abandoned; also the response time reported for a VM that serves nothing. */
export const WEB_TIMEOUT_SECONDS = 30;

/** Requests that arrived together (one step), still waiting. */
export interface Cohort {
  /** Arrival time, seconds (start of the step they arrived in). */
  at: number;
  count: number;
}

export interface WebStepInput {
  /** Waiting requests, oldest first (mutated: served and abandoned ones are removed). */
  cohorts: Cohort[];
  /** Start of this step, seconds. */
  nowSeconds: number;
  /** Requests arriving during the step. */
  arrivals: number;
  /** CPU-seconds the VM received during the step. */
  cpuSeconds: number;
  /** CPU-seconds one request costs now (base cost × swap penalty × migration degradation). */
  costCpuSeconds: number;
  /** Cores the VM wanted / received (a starved VM serves each request more slowly). */
  slowdown: number;
  dtSeconds: number;
  queueLimit: number;
  /**
   * When given, receives [response time, count] for each part of a cohort served this step
   * (per-request response times: service time + the time the cohort waited before this step).
   */
  servedSamples?: [number, number][];
}

export interface WebStepResult {
  served: number;
  dropped: number;
  backlog: number;
  /** Mean response time of the requests served in this step (timeout when none could be served). */
  responseTimeSeconds: number;
}

export function webStep(i: WebStepInput): WebStepResult {
  const q = i.cohorts;
  if (i.arrivals > 0) q.push({ at: i.nowSeconds, count: i.arrivals });
  // Serve FIFO.
  let capacity = i.cpuSeconds / i.costCpuSeconds;
  let served = 0;
  const serviceTime = i.costCpuSeconds * Math.max(1, i.slowdown);
  while (q.length > 0 && capacity > 1e-12) {
    const take = Math.min(q[0].count, capacity);
    i.servedSamples?.push([Math.min(WEB_TIMEOUT_SECONDS, serviceTime + (i.nowSeconds - q[0].at)), take]);
    q[0].count -= take;
    capacity -= take;
    served += take;
    if (q[0].count <= 1e-9) q.shift();
  }
  // Clients abandon requests older than the timeout at the end of this step.
  let dropped = 0;
  const end = i.nowSeconds + i.dtSeconds;
  while (q.length > 0 && end - q[0].at > WEB_TIMEOUT_SECONDS) dropped += q.shift()!.count;
  // The listen queue refuses what exceeds its limit (newest first).
  let backlog = q.reduce((a, c) => a + c.count, 0);
  while (backlog > i.queueLimit && q.length > 0) {
    const last = q[q.length - 1];
    const cut = Math.min(last.count, backlog - i.queueLimit);
    last.count -= cut;
    backlog -= cut;
    dropped += cut;
    if (last.count <= 1e-9) q.pop();
  }
  const throughput = served / i.dtSeconds;
  let responseTimeSeconds: number;
  if (served > 0) responseTimeSeconds = serviceTime + backlog / throughput;
  else responseTimeSeconds = backlog > 0 ? WEB_TIMEOUT_SECONDS : serviceTime;
  return {
    served,
    dropped,
    backlog,
    responseTimeSeconds: Math.min(WEB_TIMEOUT_SECONDS, responseTimeSeconds),
  };
}

/** Cost multiplier of a guest whose working set does not fit its balloon (it swaps). */
export const SWAP_PENALTY = 3;

export function swapFactor(workingSetBytes: number, balloonBytes: number): number {
  if (workingSetBytes <= 0) return 1;
  const deficit = Math.max(0, workingSetBytes - balloonBytes) / workingSetBytes;
  return 1 + SWAP_PENALTY * deficit;
}
