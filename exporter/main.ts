// Stand-alone entry of the exporter (`node dist/exporter/main.js --connect URI …`): the
// same flags as `vmpilot exporter`, without loading the rest of the CLI. The benchmark
// runs the exporter through it as a separate process so its RSS is its own.
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeOf } from '../core/cli/errors';
import { vmpilotVersion } from '../core/cli/version';
import { leanHeap, wantsLeanHeap } from './lean-memory';

async function run(argv: string[]): Promise<number> {
  // Before the exporter's modules load (see lean-memory.ts).
  if (wantsLeanHeap(argv)) leanHeap();
  const { registerExporterCommand } = await import('./command.js');
  const program = new Command('vmpilot-exporter').exitOverride();
  registerExporterCommand(program);
  for (const c of program.commands) c.exitOverride().version(vmpilotVersion());
  try {
    await program.parseAsync([argv[0], argv[1], 'exporter', ...argv.slice(2)]);
    return 0;
  } catch (e) {
    // commander already printed its own errors (usage, --help, --version).
    if (!(e instanceof CommanderError)) process.stderr.write(`vmpilot exporter: ${describeError(e)}\n`);
    return exitCodeOf(e); // 2 for a usage error, 1 at run time, as `vmpilot exporter`
  }
}

if (require.main === module) {
  void run(process.argv).then((code) => {
    process.exitCode = code;
  });
}
