// Client side of a secured HTTP endpoint (the autoscaler reading Prometheus), with the
// options Prometheus' own `http_config` has: basic auth (password inline or from a file),
// a bearer token (inline or file), and TLS — a private CA, a client certificate and key, the
// expected server name, or (discouraged) no verification. Files are read once, when the
// client is built; relative paths resolve against `baseDir` (the config file's directory).
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import path from 'node:path';
import { z } from 'zod';

export const httpClientSchema = z
  .object({
    basicAuth: z
      .object({
        username: z.string().min(1),
        password: z.string().optional(),
        passwordFile: z.string().min(1).optional(),
      })
      .strict()
      .refine((b) => (b.password === undefined) !== (b.passwordFile === undefined), {
        message: 'give exactly one of password and passwordFile',
      })
      .optional(),
    bearerToken: z.string().min(1).optional(),
    bearerTokenFile: z.string().min(1).optional(),
    tls: z
      .object({
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        serverName: z.string().min(1).optional(),
        insecureSkipVerify: z.boolean().default(false),
      })
      .strict()
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'certFile and keyFile go together',
      })
      .optional(),
    /**
     * Extra request headers, e.g. `X-Scope-OrgID: TENANT` for a multi-tenant Mimir/Cortex
     * (Prometheus' http_config `http_headers`). Credentials go in basicAuth/bearerToken.
     */
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name'), z.string())
      .refine((h) => !Object.keys(h).some((k) => k.toLowerCase() === 'authorization'), {
        message: 'set Authorization with basicAuth or bearerToken, not headers',
      })
      .optional(),
  })
  .strict()
  .refine((c) => !(c.basicAuth && (c.bearerToken || c.bearerTokenFile)), {
    message: 'basicAuth and a bearer token exclude each other',
  })
  .refine((c) => !(c.bearerToken && c.bearerTokenFile), {
    message: 'give one of bearerToken and bearerTokenFile',
  });

export type HttpClientConfig = z.output<typeof httpClientSchema>;

/** What the axios-based Prometheus client (autoscaler/sources/prometheus-api.ts) takes. */
export interface HttpClientOptions {
  auth?: { username: string; password: string };
  headers?: Record<string, string>;
  httpsAgent?: Agent;
}

function readSecret(what: string, file: string, baseDir: string): string {
  const p = path.resolve(baseDir, file);
  try {
    return readFileSync(p, 'utf8').trim();
  } catch (e) {
    throw new Error(`${what} ${p}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads the files the config names; throws one line naming a missing file. */
export function httpClientOptions(c: HttpClientConfig | undefined, baseDir: string): HttpClientOptions {
  if (!c) return {};
  const out: HttpClientOptions = {};
  if (c.basicAuth) {
    const password =
      c.basicAuth.password ?? readSecret('basicAuth.passwordFile', c.basicAuth.passwordFile ?? '', baseDir);
    out.auth = { username: c.basicAuth.username, password };
  }
  const token =
    c.bearerToken ??
    (c.bearerTokenFile ? readSecret('bearerTokenFile', c.bearerTokenFile, baseDir) : undefined);
  if (c.headers) out.headers = { ...c.headers };
  if (token !== undefined) out.headers = { ...out.headers, Authorization: `Bearer ${token}` };
  if (c.tls) {
    const t = c.tls;
    const file = (what: string, f: string) => {
      try {
        return readFileSync(path.resolve(baseDir, f));
      } catch (e) {
        throw new Error(`tls.${what} ${path.resolve(baseDir, f)}: ${(e as Error).message}`, { cause: e });
      }
    };
    out.httpsAgent = new Agent({
      ...(t.caFile ? { ca: file('caFile', t.caFile) } : {}),
      ...(t.certFile ? { cert: file('certFile', t.certFile) } : {}),
      ...(t.keyFile ? { key: file('keyFile', t.keyFile) } : {}),
      ...(t.serverName ? { servername: t.serverName } : {}),
      rejectUnauthorized: !t.insecureSkipVerify,
      keepAlive: true,
    });
  }
  return out;
}
