// Issue 13 item 4 on the real QEMU lab, through the whole production path (an exporter
// process per lab host → Prometheus → the autoscaler process): lab-a and lab-b are one
// shared-storage group (the lab's guests boot from the shared image directory). lab-a
// dies — its libvirtd and every QEMU of its namespace SIGKILLed, as in a power loss — and
// the autoscaler restarts its guest on lab-b from the definition it kept, exactly once: the
// guest boots again there (its own log starts a new uptime) and keeps working, nothing is
// restarted twice over further rounds, and when lab-a's libvirtd comes back its stale copy
// is not started. Part of jest's `lab` project (run alone, in band).
import type { TuningEvent } from '../../core/model/event';
import { listDomains } from '../../lab/guests';
import { parseWorkload } from '../../lab/workload';
import { pollUntil } from '../helpers/poll';
import {
  apiEvents,
  guestRunning,
  killHost,
  progressOf,
  restartLibvirtd,
  startAutoscaler,
  startRig,
  stopRig,
  waitGlobalRounds,
  type LabRig,
} from './rig';

jest.setTimeout(600_000);

const VM = 'lab-vm-1';

async function statesOf(rig: LabRig, vm: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of rig.lab.hosts) {
    const d = (await listDomains(h.uri).catch(() => [])).find((x) => x.name === vm);
    if (d) out[h.name] = d.state;
  }
  return out;
}

const restartsOf = (events: TuningEvent[]) => events.filter((e) => e.action === 'restart' && e.vm === VM);

describe('a failed lab host: its guest restarted on the other host, exactly once', () => {
  let rig: LabRig;

  beforeAll(async () => {
    rig = await startRig({
      name: 'hostfail',
      up: { guests: 1, workloads: [parseWorkload('cpu=1,mem=32')], placement: 'lab-a' },
      config: {
        planner: { t2Seconds: 3, t1Seconds: 6 },
        failover: {
          k: 3,
          n: 3,
          heartbeatTimeoutSeconds: 2,
          sharedStorage: [{ name: 'lab-images', hosts: ['lab-a', 'lab-b'] }],
        },
      },
    });
    await guestRunning(rig, VM);
  });
  afterAll(async () => {
    await stopRig(rig);
  });

  it('restarts the guest of a dead lab-a on lab-b once, and never starts the stale copy', async () => {
    await startAutoscaler(rig);
    // the definitions are kept while lab-a answers (re-read in global rounds)
    await waitGlobalRounds(rig, 2, 'two global rounds with both hosts up');
    const linesBefore = progressOf(rig, VM).length;

    const killedAt = Date.now();
    await killHost(rig, 'lab-a');

    const restart = await pollUntil(
      async () =>
        restartsOf(await apiEvents(rig, 'kind=global&limit=1000')).find(
          (e) => e.result !== 'planned' && e.result !== 'started',
        ),
      { what: `a restart of ${VM} to end`, timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(restart).toMatchObject({ host: 'lab-a', to: 'lab-b', result: 'completed' });
    process.stdout.write(
      `host failure: ${VM} restarted on lab-b ${(Date.now() - killedAt) / 1000} s after the kill\n`,
    );
    expect((await statesOf(rig, VM))['lab-b']).toBe('running');

    // a new boot on lab-b (uptime starts again) that works on
    const fresh = await pollUntil(
      () => {
        // the console log is appended to: the new boot starts where uptime drops
        const p = progressOf(rig, VM);
        let reboot = -1;
        for (let i = Math.max(1, linesBefore); i < p.length; i++)
          if (p[i].uptimeSeconds < p[i - 1].uptimeSeconds) reboot = i;
        const after = reboot >= 0 ? p.slice(reboot) : [];
        return after.length >= 3 && after.at(-1)!.cpuIterations > after[0].cpuIterations ? after : null;
      },
      { what: `${VM} to boot again on lab-b and work`, timeoutMs: 180_000, intervalMs: 1000 },
    );
    expect(fresh.at(-1)!.cpuIterations).toBeGreaterThan(fresh[0].cpuIterations);

    // more rounds with lab-a dead, then lab-a's daemon back: no second start anywhere
    await waitGlobalRounds(rig, 2, 'two more global rounds with lab-a dead', true);
    await restartLibvirtd(rig, 'lab-a');
    await waitGlobalRounds(rig, 3, 'three global rounds with lab-a back', true);
    const states = await statesOf(rig, VM);
    expect(states['lab-b']).toBe('running');
    expect(states['lab-a'] ?? 'gone').not.toBe('running');
    const restarts = restartsOf(await apiEvents(rig, 'kind=global&limit=1000'));
    expect(new Set(restarts.map((e) => e.id)).size).toBe(1);
    expect(restarts.filter((e) => e.result === 'failed')).toEqual([]);
  });
});
