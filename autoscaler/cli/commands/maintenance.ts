// `vmpilot maintenance on|off HOST` and `vmpilot maintenance list`: host maintenance of a
// running autoscaler through its API (POST/DELETE /api/v1/hosts/HOST/maintenance, GET
// /api/v1/maintenance), with the bearer token of its config's authTokenFile. The API's
// address is the config's `listen` unless --api names another (https:// with a private CA:
// NODE_EXTRA_CA_CERTS). Behind basic auth (--web.config.file with basic_auth_users),
// --basic-auth-user/--basic-auth-password-file fill `Authorization` and the token goes in
// X-Vmpilot-Token.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TOKEN_HEADER } from '../../api/server';
import { ConfigError, loadConfig } from '../../config/load';
import { readToken } from '../../service/run';
import { DEFAULT_CONFIG_FILE } from './autoscaler';
import { CliError } from '../errors';

interface Flags {
  config: string;
  api?: string;
  tokenFile?: string;
  basicAuthUser?: string;
  basicAuthPasswordFile?: string;
  reason?: string;
  json?: boolean;
}

const TIMEOUT_MS = 30_000;

/** The request headers proving who calls: the token, and basic-auth credentials if given. */
function credentials(opts: Flags, token: string | undefined): Record<string, string> {
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

function target(opts: Flags): { api: string; token: string | undefined } {
  let cfg;
  try {
    cfg = loadConfig(opts.config);
  } catch (e) {
    if (e instanceof ConfigError && opts.api && opts.tokenFile)
      return { api: opts.api, token: readToken(opts.tokenFile) };
    if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
    throw e;
  }
  const api = (opts.api ?? `http://${cfg.listen}`).replace(/\/+$/, '');
  return { api, token: readToken(opts.tokenFile ?? cfg.authTokenFile) };
}

async function call(
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

interface Listing {
  host: string;
  source: string;
  since?: string;
  reason?: string;
}

const line = (m: Listing) =>
  `${m.host}\t${m.source}${m.since ? `\tsince ${m.since}` : ''}${m.reason ? `\t${m.reason}` : ''}`;

export function register(program: Command): void {
  const cmd = program
    .command('maintenance')
    .description(
      'put a host in maintenance (drained: no new VMs, its VMs moved off) or take it out, on a running autoscaler, without a restart; or list the hosts in maintenance',
    )
    .argument('<action>', 'on, off or list')
    .argument('[host]', 'the host (on, off)')
    .option(
      '--config <file>',
      "the autoscaler's vmpilot.yaml (its listen address and authTokenFile)",
      DEFAULT_CONFIG_FILE,
    )
    .option('--api <url>', "the autoscaler's API (default: http://<listen of the config>)")
    .option('--token-file <file>', 'bearer token file (default: authTokenFile of the config)')
    .option('--basic-auth-user <user>', 'basic-auth user of the API (its --web.config.file basic_auth_users)')
    .option('--basic-auth-password-file <file>', "that user's password (the file's first line)")
    .option('--reason <text>', 'why (kept with the host and in the journal)')
    .option('--json', 'print the API answer as JSON');
  cmd.action(async (action: string, host: string | undefined, opts: Flags) => {
    if (!['on', 'off', 'list'].includes(action))
      throw new CliError(`unknown action "${action}": expected on, off or list`, 2);
    if (action !== 'list' && !host) throw new CliError(`maintenance ${action} needs a host`, 2);
    if (action === 'list' && host) throw new CliError('maintenance list takes no host', 2);
    const { api, token } = target(opts);
    const auth = credentials(opts, token);
    if (action === 'list') {
      const r = (await call('GET', `${api}/api/v1/maintenance`, auth)) as { hosts: Listing[] };
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(r, null, 2)}\n`
          : r.hosts.length
            ? `${r.hosts.map(line).join('\n')}\n`
            : '',
      );
      return;
    }
    const url = `${api}/api/v1/hosts/${encodeURIComponent(host as string)}/maintenance`;
    const r = (await call(
      action === 'on' ? 'POST' : 'DELETE',
      url,
      auth,
      opts.reason ? { reason: opts.reason } : undefined,
    )) as {
      host: string;
      maintenance: boolean;
      changed: boolean;
      sources: Listing[];
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else
      process.stdout.write(
        `${r.host}: ${r.maintenance ? 'in maintenance' : 'not in maintenance'}${r.changed ? '' : ' (unchanged)'}` +
          `${r.sources.length ? ` — ${r.sources.map((s) => s.source).join(', ')}` : ''}\n`,
      );
  });
}
