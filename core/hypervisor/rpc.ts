// A hypervisor port shared between processes over HTTP: `serveHypervisor` answers calls on
// one port (a simulated cluster lives in one process), `RemoteHypervisor` is the port other
// processes open with `sim+http://HOST:PORT`. Several autoscalers (the HA pair, issue 15)
// and an exporter then see and change one cluster, as they would real libvirt hosts.
// Test and demo plumbing, bound to loopback by its callers: no authentication.
//
// Protocol: POST /call {method, args} → 200 {result} or 200 {error: {code, message}} (a
// HypervisorError crosses as itself). A migration runs as long as the call; a caller that
// dies does not stop it, as a libvirt job goes on without the client that started it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HypervisorError, type HypervisorErrorCode } from './errors';
import type { CallOptions, HypervisorPort, MigrationOptions, MigrationProgress } from './port';

/**
 * Every call the protocol forwards: all of HypervisorPort but `uri`, `close` and the restart
 * pair `getDefinition`/`define` (absent here: a restart on a shared sim+http cluster fails
 * its pre-condition as on any port without them).
 */
export const RPC_METHODS = [
  'listHosts',
  'getHostInfo',
  'listVms',
  'getVm',
  'getStats',
  'setMemory',
  'setVcpus',
  'suspend',
  'resume',
  'start',
  'stop',
  'getCpuTune',
  'setCpuShares',
  'setCpuCap',
  'pinVcpu',
  'setBlockIoTune',
  'setNetBandwidth',
  'save',
  'restore',
  'migrate',
  'getJobProgress',
  'abortJob',
] as const satisfies readonly (keyof HypervisorPort)[];
export type RpcMethod = (typeof RPC_METHODS)[number];
const METHODS = new Set<string>(RPC_METHODS);

/** One call as the server saw it (tests tell who changed what, and when). */
export interface RpcCall {
  method: RpcMethod;
  args: unknown[];
  /** The caller's `x-vmpilot-caller` header (a RemoteHypervisor sends its process id). */
  caller: string;
  at: number;
}

export interface HypervisorServer {
  url: string;
  uri: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error('request body too large'));
      else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serves `port` on HOST:PORT (port 0: any free one); `onCall` sees every call first. */
export async function serveHypervisor(
  port: HypervisorPort,
  listen: { host: string; port: number },
  onCall?: (c: RpcCall) => void,
): Promise<HypervisorServer> {
  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/call')
      return answer(404, { error: { code: 'invalid', message: 'POST /call' } });
    void (async () => {
      let method: RpcMethod;
      let args: unknown[];
      try {
        const body = JSON.parse(await readBody(req)) as { method?: unknown; args?: unknown };
        if (typeof body.method !== 'string' || !METHODS.has(body.method) || !Array.isArray(body.args))
          throw new Error('expected {method, args[]} with a hypervisor port method');
        method = body.method as RpcMethod;
        // JSON has no undefined: an omitted options argument arrives as null.
        args = (body.args as unknown[]).map((a) => (a === null ? undefined : a));
      } catch (e) {
        return answer(400, {
          error: { code: 'invalid', message: e instanceof Error ? e.message : String(e) },
        });
      }
      const caller = String(req.headers['x-vmpilot-caller'] ?? '');
      onCall?.({ method, args, caller, at: Date.now() });
      try {
        const fn = port[method] as (...a: unknown[]) => Promise<unknown>;
        const result = await fn.apply(port, args);
        answer(200, { result: result ?? null });
      } catch (e) {
        const code: HypervisorErrorCode = e instanceof HypervisorError ? e.code : 'failed';
        answer(200, { error: { code, message: e instanceof Error ? e.message : String(e) } });
      }
    })();
  });
  server.requestTimeout = 0; // a migration call lasts as long as the migration
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const url = `http://${listen.host}:${a.port}`;
  return {
    url,
    uri: `sim+${url}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Slack over a call's own deadline before the HTTP request itself gives up. */
const HTTP_SLACK_MS = 5000;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The port of a cluster served by `serveHypervisor`, at `sim+http://HOST:PORT`. */
export class RemoteHypervisor implements HypervisorPort {
  private readonly url: string;

  constructor(
    readonly uri: string,
    private readonly defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    const m = /^sim\+(http:\/\/[^/\s]+)\/?$/.exec(uri);
    if (!m) throw new HypervisorError('invalid', `"${uri}": expected sim+http://HOST:PORT`);
    this.url = m[1];
  }

  private async call<T>(method: RpcMethod, args: unknown[], opts?: CallOptions): Promise<T> {
    const timeoutMs = opts?.timeoutMs ?? this.defaultTimeoutMs;
    let res: Response;
    try {
      res = await fetch(`${this.url}/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-vmpilot-caller': String(process.pid) },
        body: JSON.stringify({ method, args }),
        signal: AbortSignal.timeout(timeoutMs + HTTP_SLACK_MS),
      });
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      throw new HypervisorError(
        timedOut ? 'timeout' : 'unreachable',
        `${this.uri} ${method}: ${timedOut ? `no answer within ${timeoutMs} ms` : e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    const body = (await res.json()) as { result?: T; error?: { code: HypervisorErrorCode; message: string } };
    if (body.error) throw new HypervisorError(body.error.code, body.error.message);
    return body.result as T;
  }

  // Options cross as JSON: only their data (a migration's onProgress stays here, fed by polling).
  listHosts: HypervisorPort['listHosts'] = (o) => this.call('listHosts', [o], o);
  getHostInfo: HypervisorPort['getHostInfo'] = (h, o) => this.call('getHostInfo', [h, o], o);
  listVms: HypervisorPort['listVms'] = (h, o) => this.call('listVms', [h, o], o);
  getVm: HypervisorPort['getVm'] = (r, o) => this.call('getVm', [r, o], o);
  getStats: HypervisorPort['getStats'] = (h, o) => this.call('getStats', [h, o], o);
  setMemory: HypervisorPort['setMemory'] = (r, b, o) => this.call('setMemory', [r, b, o], o);
  setVcpus: HypervisorPort['setVcpus'] = (r, n, o) => this.call('setVcpus', [r, n, o], o);
  suspend: HypervisorPort['suspend'] = (r, o) => this.call('suspend', [r, o], o);
  resume: HypervisorPort['resume'] = (r, o) => this.call('resume', [r, o], o);
  start: HypervisorPort['start'] = (r, o) => this.call('start', [r, o], o);
  stop: HypervisorPort['stop'] = (r, o) => this.call('stop', [r, o], o);
  getCpuTune: HypervisorPort['getCpuTune'] = (r, o) => this.call('getCpuTune', [r, o], o);
  setCpuShares: HypervisorPort['setCpuShares'] = (r, s, o) => this.call('setCpuShares', [r, s, o], o);
  setCpuCap: HypervisorPort['setCpuCap'] = (r, c, o) => this.call('setCpuCap', [r, c, o], o);
  pinVcpu: HypervisorPort['pinVcpu'] = (r, v, c, o) => this.call('pinVcpu', [r, v, c, o], o);
  setBlockIoTune: HypervisorPort['setBlockIoTune'] = (r, d, t, o) =>
    this.call('setBlockIoTune', [r, d, t, o], o);
  setNetBandwidth: HypervisorPort['setNetBandwidth'] = (r, d, b, o) =>
    this.call('setNetBandwidth', [r, d, b, o], o);
  save: HypervisorPort['save'] = (r, p, o) => this.call('save', [r, p, o], o);
  restore: HypervisorPort['restore'] = (h, p, o) => this.call('restore', [h, p, o], o);
  getJobProgress: HypervisorPort['getJobProgress'] = (r, o) => this.call('getJobProgress', [r, o], o);
  abortJob: HypervisorPort['abortJob'] = (r, o) => this.call('abortJob', [r, o], o);

  migrate: HypervisorPort['migrate'] = async (ref, target, opts?: MigrationOptions) => {
    const { onProgress, ...data } = opts ?? {};
    const poll = onProgress
      ? setInterval(() => {
          this.getJobProgress(ref, { timeoutMs: 2000 })
            .then((p: MigrationProgress | null) => p && onProgress(p))
            .catch(() => undefined);
        }, 1000)
      : undefined;
    try {
      return await this.call('migrate', [ref, target, data], data);
    } finally {
      if (poll) clearInterval(poll);
    }
  };

  async close(): Promise<void> {
    // stateless HTTP: nothing held open
  }
}
