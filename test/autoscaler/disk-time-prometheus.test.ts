// Issue 12, disk saturation: the default vmDiskTime query, run by the Prometheus source on a
// real Prometheus scraping the exporter over sim://mixed-workload (real clock), gives each VM
// the seconds its block requests took per second (read + write + flush time). On host-2 two
// disk-heavy VMs ask its one 150 MiB/s disk for ~190 MiB/s: their throughput is censored at
// the disk's rate, their time is not, and the planner's view shows host-2's disk over 1.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validateConfig } from '../../autoscaler/config/load';
import { defaultPlannerConfig } from '../../autoscaler/decision/config';
import { buildRoundView } from '../../autoscaler/decision/points';
import { sourceFromConfig } from '../../autoscaler/service/run';
import type { RunningPrometheus } from '../../core/procs/prometheus';
import { pollUntil } from '../helpers/poll';
import { startSimPrometheus, type SimPrometheus } from '../helpers/sim-prometheus';

const MiB = 1024 ** 2;

describe('vmDiskTime through a real Prometheus', () => {
  let rig: SimPrometheus;
  let dir = '';
  let prom: RunningPrometheus;

  beforeAll(async () => {
    rig = await startSimPrometheus('sim://mixed-workload', 'vmpilot-disk-time-');
    ({ dir, prom } = rig);
  }, 60_000);
  afterAll(async () => {
    await rig?.stop();
  }, 60_000);

  it('reads queueing on a saturated disk, and host-2 shows more disk demand than its disk served', async () => {
    const cfg = validateConfig(
      {
        hypervisors: ['sim://mixed-workload'],
        prometheus: { url: prom.url, scrapeIntervalSeconds: 1, historyPoints: 3, timeoutSeconds: 5 },
        planner: { k: 2, n: 3 },
        // The scenario's disks (Prometheus cannot know a disk's rate).
        capacity: { diskBytesPerSecond: 150 * MiB },
      },
      'disk-time.yaml',
      dir,
    );
    const source = sourceFromConfig(cfg);
    const obs = await pollUntil(
      async () => {
        const o = await source.observe(Date.now());
        const files = o.snapshot.vms.filter((v) => v.name.startsWith('files-'));
        // Full rate windows: three observations since the counters started.
        const full = (v: (typeof files)[number]) =>
          (v.diskTimeSecondsPerSecond ?? 0) > 0 && v.usageHistory.length >= 3;
        return files.length === 2 && files.every(full) && o;
      },
      { what: 'a snapshot with the disk time of files-1 and files-2', timeoutMs: 60_000, intervalMs: 500 },
    );
    const vm = (name: string) => obs.snapshot.vms.find((v) => v.name === name)!;
    const served = (name: string) => vm(name).usageHistory[vm(name).usageHistory.length - 1].disk;
    const wanted = (name: string) => vm(name).diskTimeSecondsPerSecond! * 150 * MiB;
    // Throughput is censored at the disk's rate; the time (× the rate) is what they asked.
    expect(served('files-1') + served('files-2')).toBeLessThan(150 * MiB * 1.05);
    expect(wanted('files-1') + wanted('files-2')).toBeGreaterThan(170 * MiB);
    for (const name of ['files-1', 'files-2']) expect(wanted(name)).toBeGreaterThan(served(name) * 1.1);
    // A VM without disk I/O has its series (the exporter publishes the counters) at 0.
    expect(vm('web-1').diskTimeSecondsPerSecond).toBe(0);
    const view = buildRoundView(
      obs.snapshot,
      defaultPlannerConfig({ forecast: { method: 'ewma', alpha: 1 } }),
    );
    expect(view.hosts.get('host-2')!.load.disk).toBeGreaterThan(1.1);
    // Hosts whose disk has room: no queueing counted.
    expect(view.hosts.get('host-4')!.load.disk).toBeLessThan(0.85);
  }, 90_000);
});
