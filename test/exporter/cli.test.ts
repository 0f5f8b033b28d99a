// `vmpilot exporter` as an operator meets it: flags, bad input, the landing page, /healthz,
// and an unreachable URI at start-up (serves anyway with host_up 0, retries in background).
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { register } from '../../autoscaler/cli/commands/exporter';
import { CliError } from '../../autoscaler/cli/errors';
import { startExporter } from '../../exporter/server';
import { pollUntil } from '../helpers/poll';
import { getMetrics, sampleValue } from './scrape-text';

const RACK_A = `test://${path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml')}`;

function program(): Command {
  const p = new Command('vmpilot').exitOverride();
  register(p);
  for (const c of p.commands) {
    c.exitOverride();
    c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  }
  return p;
}
const run = (...args: string[]) => program().parseAsync(['node', 'vmpilot', 'exporter', ...args]);

describe('vmpilot exporter CLI', () => {
  it('rejects an unknown flag', async () => {
    await expect(run('--connect', RACK_A, '--bogus')).rejects.toMatchObject({
      code: 'commander.unknownOption',
    });
    await expect(run('--connect', RACK_A, '--bogus')).rejects.toBeInstanceOf(CommanderError);
  });

  it('rejects bad flag values with one line naming the flag', async () => {
    await expect(run('--connect', RACK_A, '--listen', 'nowhere')).rejects.toThrow(/--listen "nowhere"/);
    await expect(run('--connect', RACK_A, '--web.listen-address', 'nowhere')).rejects.toThrow(
      /--web.listen-address "nowhere"/,
    );
    await expect(run('--connect', RACK_A, '--listen', ':1', '--web.listen-address', ':2')).rejects.toThrow(
      /alias of --web.listen-address/,
    );
    await expect(run('--connect', RACK_A, '--deadline', 'later')).rejects.toThrow(/--deadline "later"/);
    await expect(run('--connect', 'ftp://x')).rejects.toThrow(/unknown hypervisor URI "ftp:\/\/x"/);
    await expect(run('--connect', RACK_A, '--background-groups', 'gpu')).rejects.toBeInstanceOf(CliError);
  });

  it('fails with a clear error when the listen address is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(
        run('--connect', RACK_A, '--listen', `127.0.0.1:${port}`, '--log-level', 'silent'),
      ).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('serves /, /healthz and /metrics, honours --no-collector.X, stops on SIGTERM', async () => {
    const free: Server = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const { port } = free.address() as { port: number };
    await new Promise<void>((r) => free.close(() => r()));
    const url = `http://127.0.0.1:${port}`;
    const done = run(
      '--connect',
      RACK_A,
      '--web.listen-address',
      `127.0.0.1:${port}`,
      '--no-collector.host',
      '--log.level',
      'silent',
    );
    try {
      await pollUntil(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok, {
        what: 'the exporter to answer /healthz',
        timeoutMs: 5000,
        intervalMs: 50,
      });
      const landing = await (await fetch(`${url}/`)).text();
      expect(landing).toContain('<a href="metrics">/metrics</a>');
      expect(landing).toContain('<code>host</code> (disabled)');
      expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
      const { text } = await getMetrics(url);
      expect(sampleValue(text, 'vmpilot_host_up{host="rack-a"}')).toBe(1);
      expect(text).not.toContain('vmpilot_host_cpus');
    } finally {
      process.emit('SIGTERM');
      await done;
    }
  });

  it('starts with an unreachable URI, reports host_up 0 and keeps serving the other hosts', async () => {
    const exporter = await startExporter({
      connect: ['lost=qemu+tcp://127.0.0.1:1/system', RACK_A],
      listen: { host: '127.0.0.1', port: 0 },
      deadlineMs: 2000,
    });
    try {
      for (let i = 0; i < 2; i++) {
        const { text } = await getMetrics(exporter.url);
        expect(sampleValue(text, 'vmpilot_host_up{host="lost"}')).toBe(0);
        expect(sampleValue(text, 'vmpilot_scrape_collector_success{host="lost",collector="cpu"}')).toBe(0);
        expect(sampleValue(text, 'vmpilot_host_up{host="rack-a"}')).toBe(1);
      }
    } finally {
      await exporter.close();
    }
  });
});
