// Turning any error into the one line an operator reads on stderr. Shared by the two entry
// points, the `vmpilot` CLI (autoscaler/cli/) and the stand-alone exporter (exporter/main.ts).
import { HypervisorError } from '../hypervisor/errors';

/** An error whose message is meant for the user as is (bad flag value, missing file…). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function describeError(e: unknown): string {
  if (e instanceof HypervisorError) return `${e.message} [${e.code}]`;
  if (e instanceof Error) {
    const cause =
      e.cause instanceof Error && !e.message.includes(e.cause.message) ? `: ${e.cause.message}` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}
