// The HTTP(S) server of both binaries, exporter and autoscaler, in one place: listen on
// every `--web.listen-address`, TLS / client certificates / basic auth / headers from
// `--web.config.file` (exporter-toolkit format, ./web-config.ts), gzip when the client asks
// for it (Prometheus does), and limits so idle or slow clients cannot hold the process:
// a connection cap, a deadline for the request headers and for the whole request, and an
// idle keep-alive timeout. `reload()` re-reads the web config (SIGHUP); a bad file is
// refused and the running config kept.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { BasicAuth } from './basic-auth';
import { gzipWhenAccepted } from './gzip';
import { formatHostPort, type ListenAddress } from './listen-address';
import { loadWebConfig, type ServerTls, type WebConfig } from './web-config';

export interface ConnectionLimits {
  /** Open connections at most; more are closed at once (Node's `server.maxConnections`). */
  maxConnections: number;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (longer than a 1 min scrape interval). */
  keepAliveTimeoutMs: number;
  /** Largest request head, bytes. */
  maxHeaderSize: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxHeaderSize: 16 * 1024,
};

export interface WebServerOptions {
  addresses: readonly ListenAddress[];
  /** `--web.config.file`; undefined = plain HTTP without authentication. */
  webConfigFile?: string;
  limits?: Partial<ConnectionLimits>;
}

export interface WebServer {
  /** One base URL per address, as bound (`http://127.0.0.1:9177`). */
  readonly urls: string[];
  readonly servers: readonly Server[];
  readonly tls: boolean;
  /** Re-reads the web config file; throws (and keeps the old one) when it is invalid. */
  reload(): void;
  close(): Promise<void>;
}

function secureContextOptions(t: ServerTls) {
  return {
    cert: t.cert,
    key: t.key,
    ...(t.ca ? { ca: t.ca } : {}),
    requestCert: t.requestCert,
    rejectUnauthorized: t.rejectUnauthorized,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
  };
}

/** Whether the client certificate satisfies the config (presence, allowed SANs). */
function clientCertOk(req: IncomingMessage, t: ServerTls): boolean {
  if (!t.requireCertificate && !t.allowedSans) return true;
  const cert = (req.socket as TLSSocket).getPeerCertificate?.();
  const present = cert !== undefined && Object.keys(cert).length > 0;
  if (!present) return !t.requireCertificate;
  if (!t.allowedSans) return true;
  const sans = (cert.subjectaltname ?? '').split(',').map((s) => s.trim().replace(/^[A-Za-z ]+:/, ''));
  return t.allowedSans.some((a) => sans.includes(a));
}

function deny(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

function listenOn(server: Server, a: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = formatHostPort(a.host, a.port);
      reject(
        new Error(
          `cannot listen on ${where}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`,
          { cause: e },
        ),
      );
    };
    server.once('error', onError);
    server.listen(a.port, a.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeOne(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts one server per address in front of `app`; rejects with a one-line error. */
export async function startWebServer(app: RequestListener, opts: WebServerOptions): Promise<WebServer> {
  if (opts.addresses.length === 0) throw new Error('no listen address given');
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let config: WebConfig = loadWebConfig(opts.webConfigFile);
  let auth = new BasicAuth(config.users);
  const tls = config.tls !== undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const c = config;
    for (const [k, v] of Object.entries(c.headers)) res.setHeader(k, v);
    if (c.tls && !clientCertOk(req, c.tls)) {
      deny(res, 403, 'client certificate required');
      return;
    }
    const serve = () => {
      gzipWhenAccepted(req, res);
      app(req, res);
    };
    if (!auth.enabled) {
      serve();
      return;
    }
    const current = auth;
    current.allows(req).then(
      (ok) => (ok ? serve() : deny(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic' })),
      () => deny(res, 500, 'internal error'),
    );
  };

  const servers: Server[] = [];
  const make = (): Server => {
    // Node checks the header and request deadlines only every connectionsCheckingInterval
    // (30 s by default): check often enough for the deadlines to mean what they say.
    const common = {
      maxHeaderSize: limits.maxHeaderSize,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    };
    const s: Server = config.tls
      ? (createHttpsServer({ ...common, ...secureContextOptions(config.tls) }, handle) as unknown as Server)
      : createHttpServer(common, handle);
    s.maxConnections = limits.maxConnections;
    s.headersTimeout = limits.headersTimeoutMs;
    s.requestTimeout = limits.requestTimeoutMs;
    s.keepAliveTimeout = limits.keepAliveTimeoutMs;
    return s;
  };
  try {
    for (const a of opts.addresses) {
      const s = make();
      servers.push(s);
      await listenOn(s, a);
    }
  } catch (e) {
    await Promise.all(servers.map(closeOne));
    throw e;
  }
  const scheme = tls ? 'https' : 'http';
  const urls = servers.map((s, i) => {
    const bound = s.address() as AddressInfo;
    return `${scheme}://${formatHostPort(opts.addresses[i].host ?? bound.address, bound.port)}`;
  });
  return {
    urls,
    servers,
    tls,
    reload() {
      const next = loadWebConfig(opts.webConfigFile);
      if ((next.tls !== undefined) !== tls)
        throw new Error(
          `${opts.webConfigFile}: switching between HTTP and HTTPS needs a restart (kept the running config)`,
        );
      if (next.tls)
        for (const s of servers)
          (s as unknown as HttpsServer).setSecureContext(secureContextOptions(next.tls));
      config = next;
      auth = new BasicAuth(next.users);
    },
    close: () => Promise.all(servers.map(closeOne)).then(() => undefined),
  };
}
