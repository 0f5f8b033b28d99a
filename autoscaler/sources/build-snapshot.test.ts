import { buildSnapshot, type BuildInput } from './build-snapshot';

const NOW = 1_000_000_000_000;
const t = (i: number) => NOW - (2 - i) * 15000;
const vmL = (host: string, domain: string) => ({ host, domain });

function input(over: Partial<BuildInput['instant']> = {}, staleIntervals = 2): BuildInput {
  return {
    now: NOW,
    intervalSeconds: 15,
    staleIntervals,
    instant: {
      vmInfo: [
        { labels: { ...vmL('a', 'web1'), uuid: 'u1', state: 'running' }, value: 1, timeMs: NOW },
        { labels: { ...vmL('b', 'db1'), uuid: 'u2', state: 'running' }, value: 1, timeMs: NOW },
      ],
      hostUp: [
        { labels: { host: 'a' }, value: 1, timeMs: NOW },
        { labels: { host: 'b' }, value: 1, timeMs: NOW },
      ],
      hostSampleTime: [
        { labels: { host: 'a' }, value: NOW / 1000 - 5, timeMs: NOW },
        { labels: { host: 'b' }, value: NOW / 1000 - 5, timeMs: NOW },
      ],
      hostCpus: [
        { labels: { host: 'a' }, value: 8, timeMs: NOW },
        { labels: { host: 'b' }, value: 2, timeMs: NOW },
      ],
      hostMemory: [
        { labels: { host: 'a' }, value: 2e9, timeMs: NOW },
        { labels: { host: 'b' }, value: 1e9, timeMs: NOW },
      ],
      vmRequests: [{ labels: vmL('a', 'web1'), value: 50, timeMs: NOW }],
      vmResponses: [{ labels: vmL('a', 'web1'), value: 40, timeMs: NOW }],
      vmMemoryMax: [{ labels: vmL('a', 'web1'), value: 5e8, timeMs: NOW }],
      ...over,
    },
    range: {
      vmCpu: [
        { labels: vmL('a', 'web1'), points: [0, 1, 2].map((i) => [t(i), 1 + i] as [number, number]) },
        { labels: vmL('b', 'db1'), points: [0, 1, 2].map((i) => [t(i), 0.5] as [number, number]) },
      ],
      vmMemory: [
        { labels: vmL('a', 'web1'), points: [0, 1, 2].map((i) => [t(i), 1e8] as [number, number]) },
        { labels: vmL('b', 'db1'), points: [0, 1, 2].map((i) => [t(i), 2e8] as [number, number]) },
      ],
    },
    capacity: { diskBytesPerSecond: 1e8, netBytesPerSecond: 1e8, hosts: { b: { maintenance: true } } },
    vms: {},
  };
}

describe('buildSnapshot', () => {
  it('assembles hosts and VMs with histories, capacities and web stats', () => {
    const { snapshot, held } = buildSnapshot(input());
    expect(held).toEqual([]);
    const a = snapshot.hosts.find((h) => h.name === 'a')!;
    expect(a.capacity).toEqual({ cpu: 8, mem: 2e9, disk: 1e8, net: 1e8 });
    expect(a.usageHistory.map((u) => u.cpu)).toEqual([1, 2, 3]);
    expect(snapshot.hosts.find((h) => h.name === 'b')!.maintenance).toBe(true);
    const web1 = snapshot.vms.find((v) => v.name === 'web1')!;
    expect(web1).toMatchObject({ host: 'a', uuid: 'u1', workload: 'web', memoryBytes: 5e8 });
    expect(web1.web).toEqual({ requestsPerSecond: 50, throughputPerSecond: 40 });
    expect(snapshot.vms.find((v) => v.name === 'db1')!.workload).toBe('unknown');
  });

  it('holds a host whose up gauge is 0', () => {
    const { held, snapshot } = buildSnapshot(
      input({
        hostUp: [
          { labels: { host: 'a' }, value: 0, timeMs: NOW },
          { labels: { host: 'b' }, value: 1, timeMs: NOW },
        ],
      }),
    );
    expect(held).toEqual([{ host: 'a', code: 'host_down', reason: expect.stringMatching(/host down/) }]);
    expect(snapshot.hosts.find((h) => h.name === 'a')!.up).toBe(false);
  });

  const aged = (staleIntervals?: number) =>
    buildSnapshot(
      input(
        {
          hostSampleTime: [
            { labels: { host: 'a' }, value: NOW / 1000 - 31, timeMs: NOW },
            { labels: { host: 'b' }, value: NOW / 1000 - 29, timeMs: NOW },
          ],
        },
        staleIntervals,
      ),
    );

  it('holds a host whose newest sample is older than staleIntervals (2) scrape intervals', () => {
    const { held, snapshot } = aged();
    expect(held).toEqual([{ host: 'a', code: 'stale', reason: 'stale data: 31 s old (limit 30 s)' }]);
    expect(snapshot.hosts.find((h) => h.name === 'a')!.up).toBe(false);
  });

  it('lets older data through when staleIntervals is raised', () => {
    const { held, snapshot } = aged(3);
    expect(held).toEqual([]);
    expect(snapshot.hosts.every((h) => h.up)).toBe(true);
  });

  it('names a running VM without CPU samples as held itself, not its host (the gate decides the host)', () => {
    const i = input();
    i.range.vmCpu = i.range.vmCpu!.filter((s) => s.labels.domain !== 'db1');
    const obs = buildSnapshot(i);
    expect(obs.held).toEqual([]);
    expect(obs.heldVms).toEqual([
      { vm: 'db1', host: 'b', code: 'no_samples', reason: 'no CPU samples for db1 on b' },
    ]);
  });

  it('keeps the sign of a future sample time (the gate judges it)', () => {
    const i = input({
      hostSampleTime: [
        { labels: { host: 'a' }, value: NOW / 1000 + 3600, timeMs: NOW },
        { labels: { host: 'b' }, value: NOW / 1000 - 5, timeMs: NOW },
      ],
    });
    const { snapshot, held } = buildSnapshot(i);
    expect(held).toEqual([]);
    expect(snapshot.hosts.find((h) => h.name === 'a')!.ageSeconds).toBe(-3600);
  });
});

describe('buildSnapshot: memory readings of the footprint rule (core/model/footprint.ts)', () => {
  it("carries the balloon driver's unused memory and the host RSS of each VM, when scraped", () => {
    const { snapshot } = buildSnapshot(
      input({
        vmBalloon: [{ labels: vmL('a', 'web1'), value: 4e8, timeMs: NOW }],
        vmMemoryUnused: [{ labels: vmL('a', 'web1'), value: 3e8, timeMs: NOW }],
        vmMemoryRss: [{ labels: vmL('a', 'web1'), value: 3.5e8, timeMs: NOW }],
      }),
    );
    const web1 = snapshot.vms.find((v) => v.name === 'web1')!;
    expect(web1).toMatchObject({ memoryUnusedBytes: 3e8, memoryRssBytes: 3.5e8 });
    const db1 = snapshot.vms.find((v) => v.name === 'db1')!;
    expect(db1.memoryUnusedBytes).toBeUndefined();
    expect(db1.memoryRssBytes).toBeUndefined();
  });
});

describe('buildSnapshot: vCPU run-queue wait', () => {
  it('carries the rate of vcpu delay per VM as cpuWaitCores, when scraped', () => {
    const { snapshot } = buildSnapshot(
      input({ vmCpuWait: [{ labels: vmL('a', 'web1'), value: 0.75, timeMs: NOW }] }),
    );
    expect(snapshot.vms.find((v) => v.name === 'web1')!.cpuWaitCores).toBe(0.75);
    expect(snapshot.vms.find((v) => v.name === 'db1')!.cpuWaitCores).toBeUndefined();
  });
});

describe('buildSnapshot: block I/O time', () => {
  it('carries the rate of read/write/flush time per VM as diskTimeSecondsPerSecond, when scraped', () => {
    const { snapshot } = buildSnapshot(
      input({ vmDiskTime: [{ labels: vmL('a', 'web1'), value: 1.5, timeMs: NOW }] }),
    );
    expect(snapshot.vms.find((v) => v.name === 'web1')!.diskTimeSecondsPerSecond).toBe(1.5);
    expect(snapshot.vms.find((v) => v.name === 'db1')!.diskTimeSecondsPerSecond).toBeUndefined();
  });
});
