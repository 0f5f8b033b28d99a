// The `vmpilot` CLI. Each file in ./commands registers one subcommand (node_exporter-style
// self-registration), so adding a command never touches this file.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { leanHeap, wantsLeanHeap } from '../../exporter/lean-memory';
import { CliError, describeError } from './errors';

export interface CommandModule {
  register(program: Command): void;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('vmpilot')
    .description(
      'Autoscaler for KVM clusters: points, hotspots, local tuning and live migration through libvirt',
    )
    .version(packageVersion())
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
  for (const c of program.commands) c.exitOverride();
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
    if (e instanceof CommanderError) {
      // commander already printed help/version/usage errors.
      return e.exitCode;
    }
    process.stderr.write(`vmpilot: ${describeError(e)}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}
