// virsh on a lab host, each call with a deadline.
import { run, succeeds } from './exec';

export const VIRSH_TIMEOUT_MS = 60_000;

export function virsh(uri: string, ...args: string[]): Promise<string> {
  return run('virsh', ['-q', '-c', uri, ...args], { timeoutMs: VIRSH_TIMEOUT_MS });
}

/** True when the daemon behind `uri` answers within 5 s. */
export function virshAnswers(uri: string): Promise<boolean> {
  return succeeds('virsh', ['-c', uri, 'uri'], { timeoutMs: 5000 });
}
