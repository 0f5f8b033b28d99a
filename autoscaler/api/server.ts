// The autoscaler's HTTP API (express): events, the next plan, pause/resume, host
// maintenance, placement of a new VM, /metrics, /healthz, /readyz, and Alertmanager's
// webhook (POST /api/v1/alerts). Query strings and
// bodies are validated; bad input → 400 {error}. POST endpoints need the token from the
// configured token file (compared in constant time) as `Authorization: Bearer` or, when basic
// auth holds that header, `X-Vmpilot-Token`; a basic-auth user listed in authUsers needs none.
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TuningEvent } from '../../core/model/event';
import type { ReceiveResult } from '../alerts/inbox';
import { parseWebhookInSlices, type WebhookPayload } from '../alerts/webhook';
import { JournalUnwritableError } from '../journal/journal';
import type { MaintenanceListing } from '../service/maintenance';
import {
  PlacementNameTaken,
  placementToJson,
  type Placement,
  type PlacementRequest,
} from '../decision/place';
import { MetricsSourceError } from '../sources/source';
import { parseSize } from '../../core/cli/size';
import { authenticatedUser } from '../../core/web/basic-auth';
import { eventsQuerySchema, issuesText, pageEvents } from './queries';
import type { CachedPlan } from './plan-cache';
import type { TargetGroup } from './sd';
import { mountUi, type UiDeps } from './ui';

export interface ApiDeps {
  events: () => readonly TuningEvent[];
  /** The last computed plan and when it was computed (plan-cache.ts). */
  plan: () => Promise<CachedPlan>;
  setPaused: (p: boolean) => void | Promise<void>;
  paused: () => boolean;
  dryRun: () => boolean;
  ready: () => { ready: boolean; reason: string };
  registry: Registry;
  /** Alertmanager webhook notifications (already validated). */
  receiveAlerts: (payload: WebhookPayload) => ReceiveResult | Promise<ReceiveResult>;
  /** Bearer token for POST endpoints; undefined → they answer 403. A function: re-read on reload. */
  token: string | undefined | (() => string | undefined);
  /** Basic-auth users (of the web config) who pass the token check without the token (config authUsers). */
  authUsers?: () => readonly string[];
  /** Path of the service's own metrics (`--web.telemetry-path`, default /metrics). */
  telemetryPath?: string;
  /** Hosts in maintenance (config and API) and the operator's changes (service/maintenance.ts). */
  maintenance?: {
    list: () => MaintenanceListing[];
    set: (
      host: string,
      on: boolean,
      reason?: string,
    ) => Promise<{ changed: boolean; maintenance: MaintenanceListing[] }>;
  };
  /** The best host for a new VM of a given size (decision/place.ts). */
  place?: (req: PlacementRequest) => Promise<Placement>;
  /** Prometheus http_sd target groups of the per-host exporters (api/sd.ts). */
  sd?: () => TargetGroup[];
  /** The live view (`/ui/`, api/ui.ts); absent → not served. */
  ui?: UiDeps;
  log: Logger;
}

/** GET /api/v1/place?vcpus=N&memory=SIZE[&disk=RATE][&net=RATE][&name=VM] (sizes as core/cli/size.ts). */
const size = (what: string, bareUnit: number) =>
  z.string().transform((s, ctx) => {
    try {
      return parseSize(what, s, bareUnit);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
      return z.NEVER;
    }
  });
const placeQuerySchema = z
  .object({
    vcpus: z.coerce.number().int().min(1).max(4096),
    memory: size('memory', 2 ** 20),
    disk: size('disk', 1).optional(),
    net: size('net', 1).optional(),
    name: z.string().min(1).max(255).optional(),
  })
  .strict();

/** Optional body of POST/DELETE /api/v1/hosts/HOST/maintenance. */
const maintenanceBodySchema = z.object({ reason: z.string().min(1).max(500).optional() }).strict();

/**
 * The header carrying the API token when `Authorization` already carries basic auth (a web
 * config with basic_auth_users): `X-Vmpilot-Token: TOKEN`.
 */
export const TOKEN_HEADER = 'X-Vmpilot-Token';

/** The token a request offers: `X-Vmpilot-Token`, else `Authorization: Bearer`. */
function offeredToken(req: Request): string | undefined {
  const own = req.get(TOKEN_HEADER);
  if (own !== undefined) return own.trim();
  return /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1].trim();
}

function tokenMatches(offered: string | undefined, token: string): boolean {
  if (offered === undefined) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createApi(d: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const r = d.ready();
    res
      .status(r.ready ? 200 : 503)
      .type('text/plain')
      .send(`${r.reason}\n`);
  });
  app.get(d.telemetryPath ?? '/metrics', async (_req, res, next) => {
    try {
      res.type(d.registry.contentType).send(await d.registry.metrics());
    } catch (e) {
      next(e);
    }
  });

  // Prometheus http_sd: a JSON list of target groups (empty without prometheus.exporters).
  app.get('/api/v1/sd', (_req, res) => {
    res.json(d.sd ? d.sd() : []);
  });

  app.get('/api/v1/events', (req, res) => {
    const q = eventsQuerySchema.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: issuesText(q.error) });
      return;
    }
    res.json(pageEvents(d.events(), q.data));
  });

  const auth = (req: Request, res: Response, next: NextFunction) => {
    // A request the web server verified as one of the config's authUsers needs no token.
    const user = authenticatedUser(req);
    if (user !== undefined && (d.authUsers?.() ?? []).includes(user)) {
      next();
      return;
    }
    const token = typeof d.token === 'function' ? d.token() : d.token;
    if (token === undefined) {
      res.status(403).json({ error: 'no auth token configured (set authTokenFile in the config)' });
      return;
    }
    if (!tokenMatches(offeredToken(req), token)) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({
          error:
            user === undefined
              ? 'missing or wrong bearer token'
              : `missing or wrong token in ${TOKEN_HEADER} (basic-auth user "${user}" is not in authUsers)`,
        });
      return;
    }
    next();
  };
  // The plan names hosts, VMs and reasons: with a token configured it needs the token too.
  // It is the last computed plan (`ageSeconds` old); a fresh one at most once per T2.
  const authIfConfigured = (req: Request, res: Response, next: NextFunction) =>
    (typeof d.token === 'function' ? d.token() : d.token) === undefined ? next() : auth(req, res, next);
  app.get('/api/v1/plan', authIfConfigured, async (req, res, next) => {
    if (Object.keys(req.query).length > 0) {
      res.status(400).json({ error: `unknown query parameter(s): ${Object.keys(req.query).join(', ')}` });
      return;
    }
    try {
      const { plan, computedAt } = await d.plan();
      res.json({
        ...plan,
        at: new Date(plan.at).toISOString(),
        ageSeconds: Math.max(0, (Date.now() - computedAt) / 1000),
        paused: d.paused(),
        dryRun: d.dryRun(),
      });
    } catch (e) {
      next(e);
    }
  });
  // The pause is kept (on disk, or in etcd by the leader) before it takes effect: a full disk
  // or a refused etcd write is the server's temporary trouble (503, nothing changed), not an
  // internal error.
  const pauseRoute = (paused: boolean) => async (_req: Request, res: Response) => {
    try {
      await d.setPaused(paused);
    } catch (e) {
      res
        .status(503)
        .set('Retry-After', '30')
        .json({ error: e instanceof Error ? e.message : String(e) });
      return;
    }
    res.json({ paused });
  };
  app.post('/api/v1/pause', auth, pauseRoute(true));
  app.post('/api/v1/resume', auth, pauseRoute(false));

  // Host maintenance without a restart: POST puts a host in maintenance (drained: no new
  // VMs, its VMs moved off), DELETE takes it out; kept across restarts and journalled.
  // GET lists every host in maintenance and where it came from (config or api).
  const maintenance = d.maintenance;
  if (maintenance) {
    app.get('/api/v1/maintenance', authIfConfigured, (_req, res) => {
      res.json({ hosts: maintenance.list() });
    });
    const maintenanceRoute = (on: boolean) => async (req: Request, res: Response, next: NextFunction) => {
      const body = maintenanceBodySchema.safeParse(req.body ?? {});
      if (!body.success) {
        res.status(400).json({ error: `body: ${issuesText(body.error)}` });
        return;
      }
      const host = String(req.params.host);
      try {
        const r = await maintenance.set(host, on, body.data.reason);
        res.json({ host, maintenance: r.maintenance.length > 0, changed: r.changed, sources: r.maintenance });
      } catch (e) {
        const status = (e as { status?: unknown }).status;
        if (status === 404 || status === 409) {
          res.status(status).json({ error: e instanceof Error ? e.message : String(e) });
          return;
        }
        // Disk full (state file or journal): nothing changed, the operator retries.
        if (e instanceof Error && 'code' in e && !(e instanceof JournalUnwritableError)) {
          res.status(503).set('Retry-After', '30').json({ error: e.message });
          return;
        }
        next(e);
      }
    };
    const json = express.json({ limit: '16kb' });
    app.post('/api/v1/hosts/:host/maintenance', auth, json, maintenanceRoute(true));
    app.delete('/api/v1/hosts/:host/maintenance', auth, json, maintenanceRoute(false));
  }
  // Alertmanager's webhook receiver. Authenticated first, then the body is read (bounded)
  // and validated; a retried notification is answered 200 again without a second event.
  // Validated and received in slices with the event loop served between them (issue 17 b:
  // /healthz and the exporter's scrapes wait at most one slice, not the whole notification).
  app.post('/api/v1/alerts', auth, express.json({ limit: '4mb' }), async (req, res) => {
    const p = await parseWebhookInSlices(req.body);
    if (!p.success) {
      res.status(400).json({ error: `not an Alertmanager webhook notification: ${issuesText(p.error)}` });
      return;
    }
    const r = await d.receiveAlerts(p.data);
    res.json({
      accepted: r.accepted,
      unchanged: r.unchanged,
      ignored: r.ignored,
      events: r.events.map((e) => e.id),
    });
  });

  // Where a new VM would go (200 with "host": null and the reasons when nothing fits).
  const place = d.place;
  if (place) {
    app.get('/api/v1/place', authIfConfigured, async (req, res, next) => {
      const q = placeQuerySchema.safeParse(req.query);
      if (!q.success) {
        res.status(400).json({ error: issuesText(q.error) });
        return;
      }
      const { vcpus, memory, disk, net, name } = q.data;
      try {
        const p = await place({
          vcpus,
          memoryBytes: memory,
          ...(disk !== undefined ? { diskBytesPerSecond: disk } : {}),
          ...(net !== undefined ? { netBytesPerSecond: net } : {}),
          ...(name !== undefined ? { name } : {}),
        });
        res.json(placementToJson(p));
      } catch (e) {
        if (e instanceof PlacementNameTaken) {
          res.status(409).json({ error: e.message });
          return;
        }
        // No observation of the cluster (Prometheus down, …): the server's trouble, for now.
        if (e instanceof MetricsSourceError) {
          res.status(503).set('Retry-After', '30').json({ error: e.message });
          return;
        }
        next(e);
      }
    });
  }

  if (d.ui) mountUi(app, d.ui);

  app.use((req, res) => {
    res.status(404).json({ error: `no route ${req.method} ${req.path}` });
  });
  // Unknown errors: logged, answered with a generic 500 (no internals leak). A body that is
  // not JSON or too large is the client's mistake: body-parser's 400 / 413 and its reason.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const clientError = err as { status?: number; expose?: boolean };
    if (clientError.expose && clientError.status !== undefined && clientError.status < 500) {
      res.status(clientError.status).json({ error: err instanceof Error ? err.message : String(err) });
      return;
    }
    // The journal cannot be written (disk full): nothing was taken; the sender retries later.
    if (err instanceof JournalUnwritableError) {
      res.status(503).set('Retry-After', '30').json({ error: err.message });
      return;
    }
    d.log.error({ err: err instanceof Error ? err.message : String(err), path: req.path }, 'API error');
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}

/** Listens on host:port (port 0 = any free port); resolves with the bound port. */
export function listen(
  app: express.Express,
  host: string,
  port: number,
): Promise<{ server: Server; port: number; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ server, port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
