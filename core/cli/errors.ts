// Turning any error into the one line an operator reads on stderr, and the one exit-code
// rule: usage errors (unknown flag, missing or bad flag value) exit 2, everything that goes
// wrong at run time (unreadable or invalid config, unreachable service) exits 1. Shared by
// the two entry points, the `vmpilot` CLI (autoscaler/cli/) and the stand-alone exporter
// (exporter/main.ts).
import { CommanderError } from 'commander';
import { HypervisorError } from '../hypervisor/errors';

export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** An error whose message is meant for the user as is (bad flag value, missing file…). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = EXIT_RUNTIME,
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

/** A bad command line (flag value, flag combination): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_USAGE, options);
  }
}

/** Runs a flag value parser; its error becomes a UsageError with the same one line. */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * The exit code of an error that ended a command. commander's own errors are usage errors
 * (it already printed them), except help and --version, which exit 0.
 */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
  if (e instanceof CliError) return e.exitCode;
  return EXIT_RUNTIME;
}
