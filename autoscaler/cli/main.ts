// The `vmpilot` CLI. Each file in ./commands registers one subcommand (node_exporter-style
// self-registration), so adding a command never touches this file.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { leanHeap, wantsLeanHeap } from '../../exporter/lean-memory';
import { exitCodeOf } from '../../core/cli/errors';
import { vmpilotVersion } from '../../core/cli/version';
import { describeError } from './errors';

export interface CommandModule {
  register(program: Command): void;
}

export function buildProgram(): Command {
  const program = new Command('vmpilot')
    .description(
      'Autoscaler for KVM clusters: points, hotspots, local tuning and live migration through libvirt',
    )
    .version(vmpilotVersion())
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dir = path.join(__dirname, 'commands');
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !/\.(test|d)\.(js|ts)$/.test(f))
    .sort();
  for (const f of files) {
    // Synchronous require on purpose: commands register before parsing, and the list is
    // discovered at run time (one file per command).
    // A command that fails to load must not take the others down with it.
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path.join(dir, f)) as Partial<CommandModule>;
      if (typeof mod.register === 'function') mod.register(program);
    } catch (e) {
      process.stderr.write(`vmpilot: command ${f} failed to load: ${describeError(e)}\n`);
    }
  }
  // Every subcommand answers --version too (`vmpilot exporter --version`), as Go binaries do.
  for (const c of program.commands) c.exitOverride().version(vmpilotVersion());
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // `vmpilot exporter` runs alone in its process: set its heap up before the commands load.
  if (argv.slice(2).find((a) => !a.startsWith('-')) === 'exporter' && wantsLeanHeap(argv)) leanHeap();
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    // One rule (core/cli/errors.ts): usage errors exit 2, run-time errors 1. commander
    // already printed its own (usage, --help, --version).
    if (!(e instanceof CommanderError)) {
      process.stderr.write(`vmpilot: ${describeError(e)}\n`);
      if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    }
    return exitCodeOf(e);
  }
}
