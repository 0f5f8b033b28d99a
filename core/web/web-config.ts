// The web configuration file of Prometheus' exporter-toolkit (`--web.config.file`), read
// with the same keys so an operator reuses the file they already have for node_exporter:
//
//   tls_server_config: {cert_file, key_file, client_auth_type, client_ca_file, min_version, max_version}
//   http_server_config: {headers: {Strict-Transport-Security, …}}
//   basic_auth_users: {USER: BCRYPT_HASH}
//
// Unknown keys are errors (exporter-toolkit reads the file strictly too); relative file
// paths resolve against the file's directory, as exporter-toolkit does. Keys it has that
// Node cannot honour the same way (cipher_suites, curve_preferences,
// prefer_server_cipher_suites, http2) are refused with a line saying so, never ignored.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type GoTlsVersion = keyof typeof TLS_VERSIONS;

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** The headers exporter-toolkit lets an operator set (it refuses others the same way). */
const ALLOWED_HEADERS = [
  'Strict-Transport-Security',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-XSS-Protection',
  'Content-Security-Policy',
] as const;

const unsupported = (key: string) =>
  z.unknown().refine(() => false, `${key} is not supported by vmpilot (Node's TLS stack): remove it`);

const tlsVersion = z.enum(Object.keys(TLS_VERSIONS) as [GoTlsVersion, ...GoTlsVersion[]]);

const webConfigSchema = z
  .object({
    tls_server_config: z
      .object({
        cert_file: z.string().min(1).optional(),
        key_file: z.string().min(1).optional(),
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert'),
        client_ca_file: z.string().min(1).optional(),
        min_version: tlsVersion.default('TLS12'),
        max_version: tlsVersion.default('TLS13'),
        cipher_suites: unsupported('cipher_suites').optional(),
        curve_preferences: unsupported('curve_preferences').optional(),
        prefer_server_cipher_suites: unsupported('prefer_server_cipher_suites').optional(),
        client_allowed_sans: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    http_server_config: z
      .object({
        http2: unsupported('http2').optional(),
        headers: z.partialRecord(z.enum(ALLOWED_HEADERS), z.string()).optional(),
      })
      .strict()
      .optional(),
    basic_auth_users: z
      .record(
        z.string().min(1),
        z.string().regex(/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/, 'expected a bcrypt hash ($2y$10$…)'),
      )
      .optional(),
  })
  .strict();

/** TLS settings ready for `tls.createServer` / `setSecureContext`. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  /** Node rejects unverified client certificates itself. */
  rejectUnauthorized: boolean;
  /** RequireAnyClientCert: a certificate must be present, verified or not (checked per request). */
  requireCertificate: boolean;
  allowedSans?: string[];
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

export interface WebConfig {
  tls?: ServerTls;
  headers: Record<string, string>;
  /** user → bcrypt hash; empty = no authentication. */
  users: Record<string, string>;
}

export const NO_WEB_CONFIG: WebConfig = { headers: {}, users: {} };

export class WebConfigError extends Error {
  override readonly name = 'WebConfigError';
}

function tlsOf(
  t: NonNullable<z.output<typeof webConfigSchema>['tls_server_config']>,
  file: string,
): ServerTls | undefined {
  const dir = path.dirname(path.resolve(file));
  const read = (what: string, p: string) => {
    try {
      return readFileSync(path.resolve(dir, p));
    } catch (e) {
      throw new WebConfigError(`${file}: tls_server_config.${what} ${p}: ${(e as Error).message}`);
    }
  };
  const cert = t.cert_file ? read('cert_file', t.cert_file) : t.cert ? Buffer.from(t.cert) : undefined;
  const key = t.key_file ? read('key_file', t.key_file) : t.key ? Buffer.from(t.key) : undefined;
  if (!cert && !key) return undefined; // exporter-toolkit: an empty TLS section means plain HTTP
  if (!cert) throw new WebConfigError(`${file}: tls_server_config: key given without cert_file`);
  if (!key) throw new WebConfigError(`${file}: tls_server_config: cert_file given without key_file`);
  const auth = t.client_auth_type;
  const verifies = auth === 'VerifyClientCertIfGiven' || auth === 'RequireAndVerifyClientCert';
  if (verifies && !t.client_ca_file)
    throw new WebConfigError(`${file}: tls_server_config.client_auth_type ${auth} needs client_ca_file`);
  return {
    cert,
    key,
    ...(t.client_ca_file ? { ca: read('client_ca_file', t.client_ca_file) } : {}),
    requestCert: auth !== 'NoClientCert',
    rejectUnauthorized: auth === 'RequireAndVerifyClientCert',
    requireCertificate: auth === 'RequireAnyClientCert' || auth === 'RequireAndVerifyClientCert',
    ...(t.client_allowed_sans ? { allowedSans: t.client_allowed_sans } : {}),
    minVersion: TLS_VERSIONS[t.min_version],
    maxVersion: TLS_VERSIONS[t.max_version],
  };
}

/** Parses the file's text; every problem in one error ("key: reason" lines). */
export function parseWebConfig(text: string, file: string): WebConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (e) {
    throw new WebConfigError(`${file}: not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = webConfigSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
    throw new WebConfigError(`${file}: ${lines.join('; ')}`);
  }
  const c = r.data;
  const tls = c.tls_server_config ? tlsOf(c.tls_server_config, file) : undefined;
  return {
    ...(tls ? { tls } : {}),
    headers: { ...(c.http_server_config?.headers ?? {}) },
    users: { ...(c.basic_auth_users ?? {}) },
  };
}

/** Reads and parses `--web.config.file`; undefined file → no TLS, no auth. */
export function loadWebConfig(file: string | undefined): WebConfig {
  if (file === undefined || file === '') return NO_WEB_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WebConfigError(`--web.config.file ${file}: ${(e as Error).message}`);
  }
  return parseWebConfig(text, file);
}
