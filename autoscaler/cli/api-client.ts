// What the CLI commands that talk to a running autoscaler share (`vmpilot maintenance`,
// `vmpilot pause`/`resume`): where its API is (the config's `listen` unless --api names
// another; https:// with a private CA: NODE_EXTRA_CA_CERTS), the bearer token of its
// config's authTokenFile, and, behind basic auth (--web.config.file with basic_auth_users),
// --basic-auth-user/--basic-auth-password-file in `Authorization` with the token in
// X-Vmpilot-Token.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TOKEN_HEADER } from '../api/server';
import { ConfigError, loadConfig } from '../config/load';
import { readToken } from '../service/run';
import { DEFAULT_CONFIG_FILE } from './commands/autoscaler';
import { CliError } from './errors';

export interface ApiFlags {
  config: string;
  api?: string;
  tokenFile?: string;
  basicAuthUser?: string;
  basicAuthPasswordFile?: string;
}

const TIMEOUT_MS = 30_000;

/** Adds the flags that say where the API is and how to prove who calls. */
export function addApiOptions(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      "the autoscaler's vmpilot.yaml (its listen address and authTokenFile)",
      DEFAULT_CONFIG_FILE,
    )
    .option('--api <url>', "the autoscaler's API (default: http://<listen of the config>)")
    .option('--token-file <file>', 'bearer token file (default: authTokenFile of the config)')
    .option('--basic-auth-user <user>', 'basic-auth user of the API (its --web.config.file basic_auth_users)')
    .option('--basic-auth-password-file <file>', "that user's password (the file's first line)");
}

/** The request headers proving who calls: the token, and basic-auth credentials if given. */
function credentials(opts: ApiFlags, token: string | undefined): Record<string, string> {
  if (opts.basicAuthUser === undefined) {
    if (opts.basicAuthPasswordFile !== undefined)
      throw new CliError('--basic-auth-password-file needs --basic-auth-user', 2);
    return token ? { authorization: `Bearer ${token}` } : {};
  }
  if (opts.basicAuthPasswordFile === undefined)
    throw new CliError('--basic-auth-user needs --basic-auth-password-file', 2);
  let password: string;
  try {
    password = readFileSync(opts.basicAuthPasswordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new CliError(`${opts.basicAuthPasswordFile}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  const basic = Buffer.from(`${opts.basicAuthUser}:${password}`).toString('base64');
  return { authorization: `Basic ${basic}`, ...(token ? { [TOKEN_HEADER]: token } : {}) };
}

export interface ApiTarget {
  /** The API's base URL, without a trailing slash. */
  api: string;
  /** The headers every call sends. */
  auth: Record<string, string>;
}

/** Where the API is and the headers to call it with. */
export function apiTarget(opts: ApiFlags): ApiTarget {
  let cfg;
  try {
    cfg = loadConfig(opts.config);
  } catch (e) {
    if (e instanceof ConfigError && opts.api && opts.tokenFile)
      return { api: opts.api.replace(/\/+$/, ''), auth: credentials(opts, readToken(opts.tokenFile)) };
    if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
    throw e;
  }
  const api = (opts.api ?? `http://${cfg.listen}`).replace(/\/+$/, '');
  return { api, auth: credentials(opts, readToken(opts.tokenFile ?? cfg.authTokenFile)) };
}

/** One API call; its JSON answer, or one line (exit 1) naming the call and what went wrong. */
export async function callApi(
  method: string,
  url: string,
  auth: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...auth,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw new CliError(
      `${url}: ${e instanceof Error ? e.message : String(e)} (is the autoscaler running?)`,
      1,
      {
        cause: e,
      },
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: string } | undefined)?.error ?? text.slice(0, 200);
    throw new CliError(`${method} ${url}: HTTP ${res.status}: ${error}`, 1);
  }
  return json;
}
