// Issue 12, disk saturation: the default vmDiskTime query, run by the Prometheus source on a
// real Prometheus scraping the exporter over sim://mixed-workload (real clock), gives each VM
// the seconds its block requests took per second (read + write + flush time). On host-2 two
// disk-heavy VMs ask its one 150 MiB/s disk for ~190 MiB/s: their throughput is censored at
// the disk's rate, their time is not, and the planner's view shows host-2's disk over 1.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../autoscaler/config/load';
import { defaultPlannerConfig } from '../../autoscaler/decision/config';
import { buildRoundView } from '../../autoscaler/decision/points';
import { sourceFromConfig } from '../../autoscaler/service/run';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

const MiB = 1024 ** 2;

describe('vmDiskTime through a real Prometheus', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-disk-time-'));
  let port: HypervisorPort;
  let exporter: RunningExporter;
  let prom: RunningPrometheus;

  beforeAll(async () => {
    requireTool('prometheus', 'prometheus');
    port = await connectHypervisors(['sim://mixed-workload']);
    exporter = await startExporter({ hypervisor: port, listen: { host: '127.0.0.1', port: 0 } });
    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporter.port}`],
      scrapeIntervalSeconds: 1,
      dataDir: dir,
    });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
    await port?.close();
    rmSync(dir, { recursive: true, force: true });
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
