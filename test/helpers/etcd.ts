// A real etcd cluster for tests: N `etcd` processes (Debian's etcd-server) on loopback ports
// with their own data dirs under the test's work dir. Members can be killed (SIGKILL) and
// started again on the same data dir, to lose and restore quorum.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../e2e/helpers';
import { requireTool } from './require-tool';
import { GiveUp, pollUntil } from './poll';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  /** Starts the member (again, on its data dir). */
  start(): void;
  kill(): Promise<void>;
  running(): boolean;
  log(): string;
}

export interface EtcdCluster {
  members: EtcdMember[];
  endpoints: string[];
  /** Resolves once a write through the cluster succeeds (a leader and a quorum). */
  healthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEtcdCluster(size: number, workdir: string): Promise<EtcdCluster> {
  const etcd = requireTool('etcd', 'etcd-server');
  const etcdctl = requireTool('etcdctl', 'etcd-client');
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initial = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
  const members: EtcdMember[] = ports.map((p, i) => {
    const name = `m${i}`;
    const dataDir = path.join(workdir, `etcd-${name}`);
    const clientUrl = `http://127.0.0.1:${p.client}`;
    let child: ChildProcess | null = null;
    let out = '';
    let started = false;
    return {
      name,
      clientUrl,
      start() {
        mkdirSync(dataDir, { recursive: true });
        out = '';
        child = spawn(
          etcd,
          [
            `--name=${name}`,
            `--data-dir=${dataDir}`,
            `--listen-client-urls=${clientUrl}`,
            `--advertise-client-urls=${clientUrl}`,
            `--listen-peer-urls=http://127.0.0.1:${p.peer}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${p.peer}`,
            `--initial-cluster=${initial}`,
            `--initial-cluster-state=${started ? 'existing' : 'new'}`,
            '--initial-cluster-token=vmpilot-test',
            '--listen-metrics-urls=',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
        );
        started = true;
        child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
        child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
      },
      async kill() {
        const c = child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise((res) => c.once('exit', res));
        process.kill(-(c.pid as number), 'SIGKILL');
        await gone;
      },
      running: () => child !== null && child.exitCode === null && child.signalCode === null,
      log: () => out,
    };
  });
  for (const m of members) m.start();
  const endpoints = members.map((m) => m.clientUrl);
  const cluster: EtcdCluster = {
    members,
    endpoints,
    async healthy(timeoutMs = 30_000) {
      await pollUntil(
        () =>
          new Promise<boolean>((resolve) => {
            if (members.every((m) => !m.running()))
              throw new GiveUp(`every etcd member exited: ${members[0].log()}`);
            const c = spawn(
              etcdctl,
              [`--endpoints=${endpoints.join(',')}`, '--command-timeout=1s', 'put', '/health', 'ok'],
              {
                env: { ...process.env, ETCDCTL_API: '3' },
                stdio: 'ignore',
              },
            );
            c.once('exit', (code) => resolve(code === 0));
          }),
        { what: 'an etcd cluster that accepts writes', timeoutMs, intervalMs: 200 },
      );
    },
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
    },
  };
  await cluster.healthy();
  return cluster;
}
