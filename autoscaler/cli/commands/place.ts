// `vmpilot place --config FILE --vcpus N --memory SIZE [--disk RATE] [--net RATE]
// [--name VM] [--json]`: the best host for a new VM of that size, with reasons, on live
// data read as `vmpilot plan` reads it; the global planner's destination rule chooses
// (decision/place.ts). Nothing fits → one line with every host's reason on stderr (and
// with --json the JSON, "host": null), exit 1.
import type { Command } from 'commander';
import { parseSize } from '../../../core/cli/size';
import { usage } from '../../../core/cli/errors';
import { placementToJson, type PlacementJson } from '../../decision/place';
import { DEFAULT_CONFIG_FILE } from './autoscaler';
import { withPlanningService } from '../planning-service';
import { CliError } from '../errors';

interface PlaceFlags {
  config: string;
  vcpus: string;
  memory: string;
  disk?: string;
  net?: string;
  name?: string;
  json?: boolean;
}

export function formatPlacement(p: PlacementJson): string {
  const lines = [
    p.host ? `place on ${p.host}` : 'no host fits',
    `    because [${p.reason.rule}] ${p.reason.text}`,
  ];
  for (const a of p.reason.alternatives ?? [])
    if (a.rejected) lines.push(`  not ${a.candidate}: ${a.rejected}`);
  for (const h of p.notConsidered) lines.push(`  not ${h.host}: ${h.reason}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('place')
    .description(
      'best host for a new VM of the given size, with reasons (the global planner’s destination rule on live data); nothing is changed',
    )
    .option('--config <file>', 'path to vmpilot.yaml', DEFAULT_CONFIG_FILE)
    .requiredOption('--vcpus <n>', 'vCPUs of the new VM (assumed busy until it has a history)')
    .requiredOption('--memory <size>', 'memory of the new VM, e.g. 4GiB, 512MiB; a bare number is MiB')
    .option('--disk <rate>', 'disk I/O it will need per second, e.g. 50MiB (default 0)')
    .option('--net <rate>', 'network traffic it will need per second, e.g. 10MiB (default 0)')
    .option('--name <vm>', 'its name, so placement rules (pins, groups, anti-affinity) apply')
    .option('--json', 'print JSON ({"at","request","host" (null: nothing fits),"reason","notConsidered"})')
    .action(async (opts: PlaceFlags) => {
      const vcpus = Number(opts.vcpus);
      if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 4096)
        throw new CliError(`--vcpus "${opts.vcpus}": expected an integer 1..4096`, 2);
      const memoryBytes = usage(() => parseSize('--memory', opts.memory, 2 ** 20));
      const disk =
        opts.disk === undefined ? undefined : usage(() => parseSize('--disk', opts.disk as string, 1));
      const net = opts.net === undefined ? undefined : usage(() => parseSize('--net', opts.net as string, 1));
      const out = await withPlanningService(opts.config, 'vmpilot-place', async (service) =>
        placementToJson(
          await service
            .place({
              vcpus,
              memoryBytes,
              ...(disk !== undefined ? { diskBytesPerSecond: disk } : {}),
              ...(net !== undefined ? { netBytesPerSecond: net } : {}),
              ...(opts.name !== undefined ? { name: opts.name } : {}),
            })
            .catch((e: unknown) => {
              throw new CliError(e instanceof Error ? e.message : String(e), 1, { cause: e });
            }),
        ),
      );
      if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else if (out.host) process.stdout.write(`${formatPlacement(out)}\n`);
      // One line with every host's reason (exit 1).
      if (!out.host) throw new CliError(out.reason.text, 1);
    });
}
