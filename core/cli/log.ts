// Logging as Prometheus' own tools do it: `--log.level` (debug, info, warn, error) and
// `--log.format` (logfmt, the default, or json), level names not numbers, one structured
// line per event and nothing else on stderr. `--log-level` is kept as a hidden alias of
// `--log.level` (it was the only flag before).
import { writeSync } from 'node:fs';
import { Option, type Command } from 'commander';
import pino, { type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['logfmt', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Adds `--log.level`, `--log.format` and the hidden alias `--log-level` to a command. */
export function addLogOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--log.level <level>', 'only log messages with this severity or above').choices(LOG_LEVELS),
    )
    .addOption(new Option('--log.format <format>', 'output format of log messages').choices(LOG_FORMATS))
    .addOption(new Option('--log-level <level>', 'alias of --log.level').choices(LOG_LEVELS).hideHelp());
}

export interface LogFlags {
  level: string;
  format: LogFormat;
}

/** The log settings of parsed options (`--log.level` wins over the old `--log-level`). */
export function logFlagsOf(opts: Readonly<Record<string, unknown>>): LogFlags {
  const level = (opts['log.level'] ?? opts.logLevel ?? 'info') as string;
  const format = (opts['log.format'] ?? 'logfmt') as LogFormat;
  return { level, format };
}

const BARE = /^[^\s"=\\]+$/;

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v);
  return s !== '' && BARE.test(s) ? s : JSON.stringify(s);
}

/** One pino JSON record as a logfmt line: ts, level, caller name, msg, then the fields. */
export function toLogfmt(record: Readonly<Record<string, unknown>>): string {
  const { time, level, name, msg, ...rest } = record;
  const parts = [`ts=${logfmtValue(time)}`, `level=${logfmtValue(level)}`];
  if (name !== undefined) parts.push(`name=${logfmtValue(name)}`);
  if (msg !== undefined) parts.push(`msg=${logfmtValue(msg)}`);
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) parts.push(`${k}=${logfmtValue(v)}`);
  return `${parts.join(' ')}\n`;
}

/** Writes synchronously to fd 2 so the last lines before an exit are not lost. */
function logfmtStderr(): DestinationStream {
  return {
    write(line: string) {
      try {
        writeSync(2, toLogfmt(JSON.parse(line) as Record<string, unknown>));
      } catch {
        writeSync(2, line);
      }
    },
  };
}

/** The process logger on stderr, in the chosen level and format. */
export function createLogger(name: string, flags: LogFlags): Logger {
  const options: pino.LoggerOptions = {
    level: flags.level,
    base: { name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, flags.format === 'json' ? pino.destination({ fd: 2, sync: true }) : logfmtStderr());
}
