// A web server VM as a queue. Requests arrive at the trace's rate; each costs
// `costCpuSeconds` of CPU (more when the guest swaps or migrates); the CPU the scheduler
// gave the VM this step serves the backlog FIFO; what exceeds the queue limit is dropped.
// Response time = service time + queueing delay (Little's law: backlog / throughput).
// Pure: the model calls it once per VM and step.

/** Response time reported when a VM with waiting requests served none (client timeout). */
export const WEB_TIMEOUT_SECONDS = 30;

export interface WebStepInput {
  backlog: number;
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
}

export interface WebStepResult {
  served: number;
  dropped: number;
  backlog: number;
  /** Mean response time of the requests served in this step (timeout when none could be served). */
  responseTimeSeconds: number;
}

export function webStep(i: WebStepInput): WebStepResult {
  const queued = i.backlog + i.arrivals;
  const capacity = i.cpuSeconds / i.costCpuSeconds;
  const served = Math.min(queued, capacity);
  let backlog = queued - served;
  const dropped = Math.max(0, backlog - i.queueLimit);
  backlog -= dropped;
  const serviceTime = i.costCpuSeconds * Math.max(1, i.slowdown);
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
