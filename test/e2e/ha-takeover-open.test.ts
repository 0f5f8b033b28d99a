// HA takeover with a host that does not answer (issue 13 / issue-13-c.md "left"): the new
// leader's takeover reconcile leaves the previous leader's in-flight action on that host
// open, and — like a restart — re-checks it until the host answers, then closes it with what
// the host reports (autoscaler/leader/ha.ts; the re-check also stops on step-down and
// stop, not tested here). A real etcd (one member), the
// etcd journal and election; the hypervisor is the FakePort with host `a` refusing calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { HypervisorError } from '../../core/hypervisor/errors';
import type { TuningEvent } from '../../core/model/event';
import { leaderConfigSchema } from '../../autoscaler/leader/config';
import { openHa, type HaRuntime } from '../../autoscaler/leader/ha';
import type { ReconcileOutcome } from '../../autoscaler/journal/reconcile';
import { FakePort } from '../autoscaler/fake-port';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(120_000);

let workdir: string;
let etcd: EtcdCluster;
const runtimes: HaRuntime[] = [];

beforeAll(async () => {
  workdir = mkdtempSync(path.join(tmpdir(), 'vmpilot-ha-open-'));
  etcd = await startEtcdCluster(1, workdir);
  await etcd.healthy(30_000);
});
afterAll(async () => {
  for (const r of runtimes) await r.stop().catch(() => undefined);
  await etcd?.stop();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

/** Calls naming a host in `down` fail with `unreachable`; `refused` counts them. */
function portWithDownHosts(down: Set<string>): { port: FakePort; refused: () => number } {
  const port = new FakePort().addHost('a').addHost('b').addVm('a', 'web1');
  let refused = 0;
  const refuse = (host: string) => {
    if (!down.has(host)) return;
    refused++;
    throw new HypervisorError('unreachable', `cannot connect to ${host}`);
  };
  const getVm = port.getVm.bind(port);
  const listVms = port.listVms.bind(port);
  const getHostInfo = port.getHostInfo.bind(port);
  port.getVm = async (ref) => (refuse(ref.host), getVm(ref));
  port.listVms = async (host) => (refuse(host), listVms(host));
  port.getHostInfo = async (host) => (refuse(host), getHostInfo(host));
  return { port, refused: () => refused };
}

async function open(port: FakePort, onReconciled?: (r: ReconcileOutcome[]) => void): Promise<HaRuntime> {
  const leader = leaderConfigSchema.parse({
    etcd: { endpoints: etcd.endpoints, leaseSeconds: 2, callTimeoutSeconds: 1, prefix: '/vmpilot-open' },
  });
  const r = await openHa({
    leader,
    baseDir: workdir,
    keepDays: 1,
    port,
    log: pino({ level: 'silent' }),
    callTimeoutMs: 500,
    jobWaitMs: 1000,
    retryOpenMs: 100,
    ...(onReconciled ? { onReconciled } : {}),
  });
  runtimes.push(r);
  r.start();
  return r;
}

it('a takeover leaves an action on an unreachable host open, re-checks it, and closes it once the host answers', async () => {
  // The first leader journals a started balloon change on host a, then goes away without closing it.
  const first = await open(new FakePort().addHost('a').addHost('b').addVm('a', 'web1'));
  await pollUntil(() => first.gate.acting() || undefined, { timeoutMs: 30_000, what: 'first leader acting' });
  const now = new Date().toISOString();
  const ev: TuningEvent = {
    id: 'l1',
    time: now,
    kind: 'local',
    vm: 'web1',
    host: 'a',
    action: 'set_memory',
    before: { bytes: 1 << 30 },
    after: null,
    params: { bytes: 512 << 20 },
    result: 'started',
    reason: { rule: 'local.memory.points', text: 'test' },
    phases: [],
  };
  first.journal.append(ev);
  await first.journal.fence();
  await first.leadership.stop();

  // The second takes over while host a refuses every call.
  const down = new Set(['a']);
  const { port, refused } = portWithDownHosts(down);
  // The first leader's change did reach the guest: host a will report it once it answers.
  await port.setMemory({ host: 'a', name: 'web1' }, 512 << 20);
  let outcomes: ReconcileOutcome[] = [];
  const second = await open(port, (r) => (outcomes = r));
  await pollUntil(() => second.gate.acting() || undefined, {
    timeoutMs: 30_000,
    what: 'second leader acting',
  });
  expect(outcomes).toEqual([expect.objectContaining({ id: 'l1', result: 'open' })]);
  expect(second.journal.get('l1')?.result).toBe('started');
  // Re-checked while the host stays down (the start-up path's retry, now after a takeover too).
  const before = refused();
  await pollUntil(() => refused() >= before + 3 || undefined, { timeoutMs: 10_000, what: 're-checks of l1' });
  expect(second.journal.get('l1')?.result).toBe('started');
  down.delete('a');
  await pollUntil(() => second.journal.get('l1')?.result === 'completed' || undefined, {
    timeoutMs: 10_000,
    what: 'l1 closed once host a answers',
  });
});
