import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { pollUntil } from '../../test/helpers/poll';
import os from 'node:os';
import path from 'node:path';
import { expectHypervisorError } from '../hypervisor/testing/contract';
import { connectHypervisors } from '../hypervisor/connect';
import { openSim } from './adapter';
import { isAppStatsSource } from './app-stats';

function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { clock: () => now, tick: (ms: number) => (now += ms), start };
}

describe('sim adapter', () => {
  const dirs: string[] = [];
  /** A temp dir removed after each test, so a failing test leaves nothing behind. */
  const tempDir = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-sim-adapter-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  it('advances the model to the clock on every call; counters grow in clock time', async () => {
    const c = manualClock();
    const port = await openSim('sim://seed-experiment', { clock: c.clock });
    const before = await port.getStats('slow-1', { groups: ['cpu'] });
    c.tick(60_000);
    const after = await port.getStats('slow-1', { groups: ['cpu'] });
    expect(after.collectedAtMs - before.collectedAtMs).toBe(60_000);
    const used =
      after.vms.reduce((a, v) => a + v.cpu!.totalSeconds, 0) -
      before.vms.reduce((a, v) => a + v.cpu!.totalSeconds, 0);
    // slow-1 is saturated: its 2 cores give 2 CPU-seconds per second to its VMs.
    expect(used / 60).toBeCloseTo(2, 1);
    const host = await port.getHostInfo('slow-1');
    expect(host.cpuSecondsByMode!.user + host.cpuSecondsByMode!.system).toBeCloseTo(120, 0);
  });

  it('speed plays traces faster while counters stay physical', async () => {
    const c = manualClock();
    const fast = await openSim('sim://seed-experiment', { clock: c.clock, speed: 20 });
    c.tick(30_000);
    await fast.listHosts();
    expect(fast.model.traceSeconds()).toBeCloseTo(600);
    const s = await fast.getStats('fast-1', { groups: ['cpu'] });
    const cpu = s.vms.reduce((a, v) => a + v.cpu!.totalSeconds, 0);
    // 30 s of clock time on 8 cores can hold at most 240 CPU-seconds.
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual(240);
  });

  it('offers application stats of web VMs', async () => {
    const c = manualClock();
    const port = await openSim('sim://seed-experiment', { clock: c.clock });
    expect(isAppStatsSource(port)).toBe(true);
    c.tick(120_000);
    const stats = await port.getAppStats('fast-1');
    expect(stats.map((s) => s.domain).sort()).toEqual(['web-01', 'web-02', 'web-03']);
    for (const s of stats) {
      // ~20 req/s for 120 s on an unloaded fast host: all answered quickly.
      expect(s.requestsTotal).toBeGreaterThan(1000);
      expect(s.responsesTotal).toBeCloseTo(s.requestsTotal, 0);
      expect(s.responseTimeSeconds).toBeGreaterThan(0);
      expect(s.responseTimeSeconds).toBeLessThan(1);
      expect(s.uuid).toMatch(/^[0-9a-f-]{36}$/);
    }
    await expectHypervisorError(port.getAppStats('nope'), 'not_found');
  });

  it('migrates in model time: pending until the clock has moved through the pre-copy rounds', async () => {
    const c = manualClock();
    const port = await openSim('sim://seed-experiment', { clock: c.clock });
    const progress: number[] = [];
    let done = false;
    const p = port
      .migrate(
        { host: 'slow-1', name: 'web-10' },
        { host: 'fast-1', uri: 'sim://seed-experiment' },
        {
          onProgress: (x) => progress.push(x.dataProcessedBytes ?? 0),
        },
      )
      .finally(() => (done = true));
    // The job has begun (it reported progress) while the model clock stood still.
    await pollUntil(() => progress.length > 0, {
      what: 'the first progress report',
      timeoutMs: 5000,
      intervalMs: 5,
    });
    expect(done).toBe(false);
    expect(await port.getJobProgress({ host: 'slow-1', name: 'web-10' })).not.toBeNull();
    const timer = setInterval(() => c.tick(1000), 5);
    const res = await p;
    clearInterval(timer);
    expect(res.to).toBe('fast-1');
    expect(res.durationSeconds).toBeGreaterThan(5);
    expect(res.downtimeMs).toBeGreaterThan(0);
    expect(res.transferredBytes).toBeGreaterThanOrEqual(256 * 1024 * 1024);
    expect(progress.length).toBeGreaterThan(0);
    expect((await port.getVm({ host: 'fast-1', name: 'web-10' })).state).toBe('running');
  });

  it('opens through connectHypervisors, with clear errors for unknown scenarios and bad files', async () => {
    const port = await connectHypervisors(['sim://seed-experiment']);
    expect((await port.listHosts()).map((h) => h.name)).toHaveLength(6);
    await port.close();
    const e = await expectHypervisorError(openSim('sim://nope'), 'not_found');
    expect(e.message).toMatch(/sim:\/\/nope: unknown scenario "nope"/);
    const dir = tempDir();
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\ndurationSeconds: -1\nhosts: []\nvms: []\n');
    const e2 = await expectHypervisorError(openSim(`sim://${bad}`), 'invalid');
    expect(e2.message).toContain(bad);
    expect(e2.message).toMatch(/durationSeconds/);
    await expectHypervisorError(openSim('sim://seed-experiment', { hostName: 'x' }), 'invalid');
  });

  it('renames the host of a one-host scenario with NAME=', async () => {
    const dir = tempDir();
    const one = path.join(dir, 'one.yaml');
    writeFileSync(
      one,
      'name: one\ndurationSeconds: 60\nhosts: [{ name: h, cpus: 2, memory: 2GiB }]\nvms: [{ name: v, host: h, workload: cpu, vcpus: 1, memory: 256MiB }]\n',
    );
    const port = await connectHypervisors([`rack-7=sim://${one}`]);
    expect((await port.listHosts()).map((h) => h.name)).toEqual(['rack-7']);
    expect((await port.listVms('rack-7')).map((v) => v.name)).toEqual(['v']);
  });
});
