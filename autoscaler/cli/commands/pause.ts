// `vmpilot pause` (and `vmpilot resume`, resume.ts): the operator's switch of a running autoscaler
// (POST /api/v1/pause, /api/v1/resume) — paused, it keeps planning and serving its API but
// takes no action; the pause is kept (beside the journal, or in etcd by the leader) until
// resumed. Same flags as `vmpilot maintenance` (../api-client.ts).
import type { Command } from 'commander';
import { addApiOptions, apiTarget, callApi, type ApiFlags } from '../api-client';

interface Flags extends ApiFlags {
  json?: boolean;
}

/** Registers `vmpilot pause` or `vmpilot resume` (resume.ts): one POST, one line out. */
export function registerSwitch(program: Command, name: 'pause' | 'resume', description: string): void {
  const cmd = addApiOptions(program.command(name).description(description)).option(
    '--json',
    'print the API answer as JSON',
  );
  cmd.action(async (opts: Flags) => {
    const { api, auth } = apiTarget(opts);
    const r = (await callApi('POST', `${api}/api/v1/${name}`, auth)) as { paused: boolean };
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(r, null, 2)}\n`
        : `${r.paused ? 'paused: no action is taken until resumed' : 'resumed: acting again'}\n`,
    );
  });
}

export function register(program: Command): void {
  registerSwitch(
    program,
    'pause',
    'pause a running autoscaler: it keeps planning and serving its API but takes no action (kept across restarts) until resumed',
  );
}
