// `vmpilot resume`: the other half of `vmpilot pause` (pause.ts).
import type { Command } from 'commander';
import { registerSwitch } from './pause';

export function register(program: Command): void {
  registerSwitch(program, 'resume', 'resume a paused autoscaler: it acts on its plans again');
}
