// leader.etcd.tls: the election and the journal reach an etcd that requires TLS with client
// certificates (a real `etcd` with --client-cert-auth, certificates made by openssl); the
// same etcd refuses a client that brings no certificate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { EtcdJournal } from '../../autoscaler/journal/etcd-journal';
import { leaderConfigSchema } from '../../autoscaler/leader/config';
import { etcdClient } from '../../autoscaler/leader/etcd-client';
import { EtcdLeadership } from '../../autoscaler/leader/leadership';
import type { TuningEvent } from '../../core/model/event';
import { freePort } from '../e2e/helpers';
import { pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';
import { makeTestCa, type TestCa } from '../helpers/tls';

jest.setTimeout(120_000);

let dir: string;
let ca: TestCa;
let etcd: ChildProcess | undefined;
let endpoint: string;

beforeAll(async () => {
  const bin = requireTool('etcd', 'etcd-server');
  dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-etcd-tls-'));
  ca = makeTestCa(dir);
  const [client, peer] = [await freePort(), await freePort()];
  endpoint = `https://127.0.0.1:${client}`;
  etcd = spawn(
    bin,
    [
      '--name=tls',
      `--data-dir=${path.join(dir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=tls=http://127.0.0.1:${peer}`,
      '--listen-metrics-urls=',
      `--cert-file=${ca.certFile}`,
      `--key-file=${ca.keyFile}`,
      `--trusted-ca-file=${ca.caFile}`,
      '--client-cert-auth',
    ],
    { stdio: 'ignore', detached: true },
  );
});

afterAll(async () => {
  if (etcd?.pid !== undefined && etcd.exitCode === null) {
    const gone = new Promise((res) => etcd?.once('exit', res));
    process.kill(-etcd.pid, 'SIGKILL');
    await gone;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = (tls: Record<string, string>) =>
  leaderConfigSchema.parse({
    etcd: { endpoints: [endpoint], tls, leaseSeconds: 5, prefix: '/vmpilot-tls-test', callTimeoutSeconds: 2 },
  }).etcd;

it('with the CA and a client certificate: elected, and a journal write lands in etcd', async () => {
  const cfg = config({ caFile: ca.caFile, certFile: ca.certFile, keyFile: ca.keyFile });
  const log = pino({ level: 'silent' });
  const client = etcdClient(cfg, dir);
  const leadership = new EtcdLeadership(client, cfg, log);
  try {
    leadership.start();
    await pollUntil(() => leadership.acting(), {
      what: 'elected over TLS',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const journal = new EtcdJournal(client, cfg, leadership, log, 30);
    const ev: TuningEvent = {
      id: 'tls-1',
      time: new Date().toISOString(),
      kind: 'local',
      vm: 'web-1',
      host: 'small',
      action: 'set_cpu_shares',
      before: null,
      after: { shares: 512 },
      result: 'started',
      reason: 'tls test',
      phases: [],
    };
    journal.append(ev);
    await journal.fence();
    expect(await client.get(`${cfg.prefix}/events/${ev.time}/${ev.id}`).string()).toContain('"tls-1"');
  } finally {
    await leadership.stop();
    client.close();
  }
});

it('without a client certificate the same etcd refuses the client', async () => {
  const cfg = config({ caFile: ca.caFile });
  const client = etcdClient(cfg, dir);
  try {
    await expect(client.get('/anything').string()).rejects.toThrow();
  } finally {
    client.close();
  }
});

it('a TLS file that cannot be read is named', () => {
  expect(() => etcdClient(config({ caFile: 'missing-ca.pem' }), dir)).toThrow(
    /leader\.etcd\.tls\.caFile .*missing-ca\.pem/,
  );
});
