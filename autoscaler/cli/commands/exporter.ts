// `vmpilot exporter`: the command is defined in exporter/command.ts, shared with the
// stand-alone entry exporter/main.ts.
import type { Command } from 'commander';
import { registerExporterCommand } from '../../../exporter/command';

export function register(program: Command): void {
  registerExporterCommand(program);
}
