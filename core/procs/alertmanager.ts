// Starts Debian's Alertmanager (`prometheus-alertmanager`) on 127.0.0.1 with a given
// config, for tests and local runs: its own storage dir, clustering off (no 9094 port).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon } from './daemon';
import { findBinary, freePort } from './prometheus';

export const ALERTMANAGER_NOT_FOUND = 'alertmanager not found: apt-get install prometheus-alertmanager';

export interface AlertmanagerOptions {
  /** alertmanager.yml text. */
  config: string;
  /** 0 or undefined = a free port. */
  port?: number;
  readyTimeoutMs?: number;
}

export interface RunningAlertmanager {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export function findAlertmanager(): string | undefined {
  return findBinary('prometheus-alertmanager') ?? findBinary('alertmanager');
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const binary = findAlertmanager();
  if (!binary) throw new Error(ALERTMANAGER_NOT_FOUND);
  const port = opts.port || (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-alertmanager-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  writeFileSync(configFile, opts.config);
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await startDaemon({
    name: 'alertmanager',
    binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no gossip port: a single local instance
    ],
    url,
    readyTimeoutMs: opts.readyTimeoutMs,
    afterStop: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { url, port, dir, stop };
}
