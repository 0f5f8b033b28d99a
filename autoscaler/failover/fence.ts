// The optional fencing hook (issue 13 item 4; off by default): an operator's command that
// powers a failed host off (IPMI, a PDU, a cloud API) before its VMs are started elsewhere.
// Run without a shell, `$host` in any argument replaced by the host name, with a deadline;
// a non-zero exit, a signal or the deadline refuses the restarts.
import { execFile } from 'node:child_process';

export interface FenceCommand {
  command: readonly string[];
  timeoutSeconds: number;
}

/** Resolves when the command fenced `host`; rejects with one line saying why not. */
export function runFence(fence: FenceCommand, host: string): Promise<void> {
  const [file, ...args] = fence.command.map((a) => a.split('$host').join(host));
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: fence.timeoutSeconds * 1000,
        killSignal: 'SIGKILL',
        env: { ...process.env, VMPILOT_HOST: host },
      },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        const why = e.killed
          ? `no answer within ${fence.timeoutSeconds} s`
          : typeof e.code === 'number'
            ? `exit ${e.code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`
            : e.message;
        reject(new Error(`fencing ${host} with ${file} failed: ${why}`));
      },
    );
  });
}
