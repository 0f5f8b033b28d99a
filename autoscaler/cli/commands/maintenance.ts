// `vmpilot maintenance on|off HOST` and `vmpilot maintenance list`: host maintenance of a
// running autoscaler through its API (POST/DELETE /api/v1/hosts/HOST/maintenance, GET
// /api/v1/maintenance), with the bearer token of its config's authTokenFile. The API's
// address is the config's `listen` unless --api names another (https:// with a private CA:
// NODE_EXTRA_CA_CERTS). Behind basic auth: see ../api-client.ts.
import type { Command } from 'commander';
import { addApiOptions, apiTarget, callApi, type ApiFlags } from '../api-client';
import { CliError } from '../errors';

interface Flags extends ApiFlags {
  reason?: string;
  json?: boolean;
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
  const cmd = addApiOptions(
    program
      .command('maintenance')
      .description(
        'put a host in maintenance (drained: no new VMs, its VMs moved off) or take it out, on a running autoscaler, without a restart; or list the hosts in maintenance',
      )
      .argument('<action>', 'on, off or list')
      .argument('[host]', 'the host (on, off)'),
  )
    .option('--reason <text>', 'why (kept with the host and in the journal)')
    .option('--json', 'print the API answer as JSON');
  cmd.action(async (action: string, host: string | undefined, opts: Flags) => {
    if (!['on', 'off', 'list'].includes(action))
      throw new CliError(`unknown action "${action}": expected on, off or list`, 2);
    if (action !== 'list' && !host) throw new CliError(`maintenance ${action} needs a host`, 2);
    if (action === 'list' && host) throw new CliError('maintenance list takes no host', 2);
    const { api, auth } = apiTarget(opts);
    if (action === 'list') {
      const r = (await callApi('GET', `${api}/api/v1/maintenance`, auth)) as { hosts: Listing[] };
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
    const r = (await callApi(
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
