// Issue 13 item 4 on real libvirt: two private libvirtds ("ha", "hb") declared as one
// shared-storage group (the guest is diskless: nothing to share), the real production path
// in-process — `startAutoscaler` with its exporter for both hosts, a real Prometheus
// scraping it, the Prometheus source, the failover and the applier. A diskless TCG guest
// runs on ha. Killing ha's libvirtd and the guest's QEMU process makes the autoscaler
// restart the guest on hb from the definition it kept while ha was alive — exactly once,
// also after further rounds and after ha's libvirtd comes back with its stale, shut-off
// copy. Needs root, libvirt, QEMU and Prometheus (`npm run setup`); fails, naming what is
// missing, otherwise. FAILOVER_LOG=FILE keeps the autoscaler's log.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../../autoscaler/config/load';
import { startAutoscaler, type RunningAutoscaler } from '../../autoscaler/service/run';
import { startPrometheus, freePort, type RunningPrometheus } from '../../core/procs/prometheus';
import type { TuningEvent } from '../../core/model/event';
import {
  disklessDomainXml,
  startDefinedDomain,
  startPrivateLibvirtd,
  virsh,
  type PrivateLibvirtd,
} from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

jest.setTimeout(240_000);

const NAME = `failover-${process.pid}`;
const THROWAWAY = `failover-${process.pid}-bump`;

/** The socket directory of a private libvirtd (its /run/libvirt), from its URI. */
const runDirOf = (d: PrivateLibvirtd) => path.dirname(new URL(d.uri).searchParams.get('socket') ?? '');

/** `virsh domstate --reason`: "running (booted)", "shut off (crashed)", … */
async function domState(uri: string, name: string): Promise<string | null> {
  try {
    return (await virsh('-c', uri, 'domstate', '--reason', name)).trim();
  } catch {
    return null;
  }
}

describe('failed host → restart on the other host (private libvirtds, real Prometheus)', () => {
  let ha: PrivateLibvirtd;
  let hb: PrivateLibvirtd;
  let prom: RunningPrometheus | undefined;
  let auto: RunningAutoscaler | undefined;
  let dir: string;
  let uuid: string;
  const events: TuningEvent[] = [];

  beforeAll(async () => {
    requireTool('prometheus', 'Debian package prometheus');
    dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-failover-'));
    ha = await startPrivateLibvirtd();
    hb = await startPrivateLibvirtd();
    writeFileSync(
      path.join(dir, 'vm.xml'),
      disklessDomainXml(NAME, { vcpus: 1, maxVcpus: 1, memoryMiB: 64 }),
    );
    writeFileSync(
      path.join(dir, 'bump.xml'),
      disklessDomainXml(THROWAWAY, { vcpus: 1, maxVcpus: 1, memoryMiB: 32 }),
    );
    // Both daemons share one cgroup tree and name a guest's cgroup by its domain ID: hb's
    // first guest would get ID 1 like the one on ha, so hb starts (and drops) one first.
    await virsh('-c', hb.uri, 'create', path.join(dir, 'bump.xml'));
    await virsh('-c', hb.uri, 'destroy', THROWAWAY);
    await virsh('-c', ha.uri, 'define', path.join(dir, 'vm.xml'));
    await startDefinedDomain(NAME, ha.uri);
    uuid = (await virsh('-c', ha.uri, 'domuuid', NAME)).trim();

    const [exporterPort, apiPort] = [await freePort(), await freePort()];
    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporterPort}`],
      scrapeIntervalSeconds: 2,
      dataDir: path.join(dir, 'prometheus'),
    });
    const cfg = validateConfig(
      {
        hypervisors: [`ha=${ha.uri}`, `hb=${hb.uri}`],
        exporter: { listen: `127.0.0.1:${exporterPort}` },
        prometheus: { url: prom.url, scrapeIntervalSeconds: 2, historyPoints: 5, timeoutSeconds: 2 },
        planner: { t2Seconds: 1, t1Seconds: 2 },
        loops: { roundDeadlineSeconds: 60 },
        // Starting a TCG guest on a loaded 2-core machine takes seconds (ENVIRONMENT.md).
        applier: { callTimeoutSeconds: 30 },
        failover: {
          k: 2,
          n: 3,
          heartbeatTimeoutSeconds: 2,
          sharedStorage: [{ name: 'diskless', hosts: ['ha', 'hb'] }],
        },
        listen: `127.0.0.1:${apiPort}`,
        journal: path.join(dir, 'journal.jsonl'),
      },
      'failover test',
      dir,
    );
    auto = await startAutoscaler(cfg, {
      log: pino(
        { level: 'info' },
        pino.destination({ dest: process.env.FAILOVER_LOG ?? '/dev/null', sync: true }),
      ),
      onEvent: (ev) => events.push(ev),
    });
  });

  afterAll(async () => {
    await auto?.stop(5000).catch(() => undefined);
    await prom?.stop().catch(() => undefined);
    for (const d of [ha, hb]) {
      if (!d) continue;
      await virsh('-c', d.uri, 'destroy', NAME).catch(() => undefined);
      await virsh('-c', d.uri, 'undefine', NAME).catch(() => undefined);
      await d.dispose();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the definition while ha is alive, then restarts the guest on hb exactly once after ha dies', async () => {
    // Both hosts seen through Prometheus first: the exporter's view of ha is "up".
    await pollUntil(
      () => {
        const r = auto!.service.lastRound;
        return r !== null && r.outcome === 'ok' && r.plan.held.length === 0 ? true : undefined;
      },
      { what: 'a round with no host held', timeoutMs: 90_000, intervalMs: 250 },
    );
    // The definition is kept beside the journal while ha answers.
    const kept = path.join(dir, 'journal.jsonl.definitions', `${uuid}.json`);
    await pollUntil(() => existsSync(kept), {
      what: 'the kept definition file',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toMatchObject({
      uuid,
      name: NAME,
      host: 'ha',
      wasRunning: true,
    });

    // ha dies: its libvirtd and the guest's QEMU (found by its pid file, killed by id).
    const pidFile = path.join(runDirOf(ha), 'qemu', `${NAME}.pid`);
    const qemuPid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(qemuPid).toBeGreaterThan(1);
    await ha.stop();
    process.kill(qemuPid, 'SIGKILL');

    // The autoscaler restarts it on hb: one completed restart event, the guest running there.
    await pollUntil(() => events.some((e) => e.action === 'restart' && e.result === 'completed'), {
      what: 'a completed restart event',
      timeoutMs: 90_000,
      intervalMs: 250,
    }).catch(async (e: unknown) => {
      // Say what happened instead: the restart events and the guest's state on hb.
      const seen = events.filter((x) => x.action === 'restart').map((x) => `${x.result}: ${x.error ?? ''}`);
      throw new Error(
        `${(e as Error).message}; restarts ${JSON.stringify(seen)}; on hb: ${await domState(hb.uri, NAME)}`,
      );
    });
    expect(await domState(hb.uri, NAME)).toMatch(/^running/);
    expect((await virsh('-c', hb.uri, 'domuuid', NAME)).trim()).toBe(uuid);
    const restart = events.find((e) => e.action === 'restart' && e.result === 'completed')!;
    expect(restart).toMatchObject({
      host: 'ha',
      to: 'hb',
      params: { uuid },
      after: { host: 'hb', verified: true },
    });

    // More rounds while ha is still dead: nothing restarts it again.
    const roundsBefore = auto!.service.lastRound?.at ?? 0;
    await pollUntil(() => (auto!.service.lastRound?.at ?? 0) >= roundsBefore + 6000, {
      what: 'six more seconds of rounds',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    // ha comes back with its stale copy (shut off: its QEMU was killed); a few more rounds.
    await ha.start();
    await pollUntil(async () => (await domState(ha.uri, NAME)) !== null, {
      what: 'ha to list the guest',
      timeoutMs: 30_000,
    });
    const backAt = auto!.service.lastRound?.at ?? 0;
    await pollUntil(() => (auto!.service.lastRound?.at ?? 0) >= backAt + 6000, {
      what: 'six more seconds of rounds with ha back',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(await domState(ha.uri, NAME)).toMatch(/^shut off/);
    expect(await domState(hb.uri, NAME)).toMatch(/^running/);
    const restarts = events.filter((e) => e.action === 'restart');
    expect(restarts.filter((e) => e.result === 'completed')).toHaveLength(1);
    expect(restarts.filter((e) => e.result === 'started')).toHaveLength(1);
    expect(restarts.filter((e) => e.result !== 'started' && e.result !== 'completed')).toEqual([]);
  });
});
