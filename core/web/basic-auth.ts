// HTTP basic authentication against the bcrypt hashes of `basic_auth_users`
// (exporter-toolkit's rule: every path needs a valid user once users are configured).
// bcrypt costs tens of milliseconds by design, so a verified (user, password) pair is
// remembered — keyed by a SHA-256 of the password, never the password itself — until the
// web config is reloaded; Prometheus sends the same credentials on every scrape.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';

/** Compared against when the user is unknown, so both cases cost the same time. */
const DUMMY_HASH = '$2b$10$0000000000000000000000000000000000000000000000000000a';
const CACHE_LIMIT = 256;

export function credentialsOf(req: IncomingMessage): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** The user each request passed basic auth as (set by web/server.ts, read by the apps behind it). */
const authenticated = new WeakMap<IncomingMessage, string>();

export function markAuthenticated(req: IncomingMessage, user: string): void {
  authenticated.set(req, user);
}

/** The configured basic-auth user this request was verified as; undefined without basic auth. */
export function authenticatedUser(req: IncomingMessage): string | undefined {
  return authenticated.get(req);
}

export class BasicAuth {
  private readonly verified = new Map<string, Buffer>();

  constructor(private readonly users: Readonly<Record<string, string>>) {}

  get enabled(): boolean {
    return Object.keys(this.users).length > 0;
  }

  /** Whether the request carries a configured user's password; if so, marks it as that user. */
  async allows(req: IncomingMessage): Promise<boolean> {
    const user = await this.verify(req);
    if (user !== undefined) markAuthenticated(req, user);
    return user !== undefined;
  }

  /** The configured user whose password the request carries. */
  private async verify(req: IncomingMessage): Promise<string | undefined> {
    const c = credentialsOf(req);
    if (!c) return undefined;
    const hash = Object.hasOwn(this.users, c.user) ? this.users[c.user] : undefined;
    const digest = createHash('sha256')
      .update(`${hash ?? ''}\0${c.password}`)
      .digest();
    const known = this.verified.get(c.user);
    if (hash !== undefined && known && timingSafeEqual(known, digest)) return c.user;
    const ok = await bcrypt.compare(c.password, hash ?? DUMMY_HASH).catch(() => false);
    if (!ok || hash === undefined) return undefined;
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(c.user, digest);
    return c.user;
  }
}
