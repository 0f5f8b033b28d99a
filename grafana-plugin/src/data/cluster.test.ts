import { FieldType, createDataFrame } from '@grafana/data';
import { clusterFromFrames, vmEvents } from './cluster';
import type { PanelEvent } from './events';

const MiB = 2 ** 20;
const NOW = Date.parse('2026-12-05T08:00:00Z');

function series(refId: string, labels: Record<string, string>, value: number) {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: [NOW] },
      { name: 'Value', type: FieldType.number, values: [value], labels },
    ],
  });
}

const points = (host: string, domain: string, cpu: number, mem = 0) => [
  series('points', { host, domain, resource: 'cpu' }, cpu),
  series('points', { host, domain, resource: 'mem' }, mem),
];
const memory = (host: string, domain: string, mib: number) => series('memory', { host, domain }, mib * MiB);

function migration(
  id: string,
  vm: string,
  from: string,
  to: string,
  result: PanelEvent['result'],
  endAgoMs?: number
): PanelEvent {
  const start = NOW - 60_000;
  return {
    id,
    timeMs: start,
    kind: 'global',
    vm,
    host: from,
    to,
    action: 'migrate',
    result,
    reason: `${from} overloaded on cpu`,
    before: null,
    after: null,
    phases: [
      { phase: 'started', timeMs: start },
      ...(endAgoMs !== undefined ? [{ phase: result as 'completed' | 'failed', timeMs: NOW - endAgoMs }] : []),
    ],
  };
}

const OPTS = { nowMs: NOW, hotspotPoints: 85, fadeMs: 10 * 60_000, memoryRefId: 'memory' };

describe('clusterFromFrames', () => {
  const frames = [
    ...points('kvm-10', 'c', 5),
    ...points('kvm-2', 'a', 60, 10),
    ...points('kvm-2', 'b', 30, 5),
    memory('kvm-10', 'c', 512),
    memory('kvm-2', 'a', 256),
    memory('kvm-2', 'b', 1024),
    memory('kvm-3', 'idle', 128), // memory but no points yet: still a column
  ];

  it('makes one column per host in natural order, VMs biggest first with memory and points', () => {
    const m = clusterFromFrames(frames, [], OPTS);
    expect(m.hosts.map((h) => h.name)).toEqual(['kvm-2', 'kvm-3', 'kvm-10']);
    expect(m.hosts[0].vms.map((v) => [v.vm, v.memoryBytes])).toEqual([
      ['b', 1024 * MiB],
      ['a', 256 * MiB],
    ]);
    expect(m.hosts[0].memoryBytes).toBe(1280 * MiB);
    expect(m.hosts[1].vms).toEqual([]);
  });

  it('marks a host whose VMs sum to the hotspot threshold of a resource', () => {
    const m = clusterFromFrames(frames, [], OPTS);
    expect(m.hosts[0].load.cpu).toBe(90);
    expect(m.hosts[0].hot).toEqual(['cpu']);
    expect(m.hosts[2].hot).toEqual([]);
    expect(clusterFromFrames(frames, [], { ...OPTS, hotspotPoints: 95 }).hosts[0].hot).toEqual([]);
  });

  it('draws a running migration with its progress from the remaining bytes', () => {
    const remaining = series('migrationRemaining', { domain: 'a', from: 'kvm-2', to: 'kvm-10' }, 64 * MiB);
    const m = clusterFromFrames([...frames, remaining], [migration('m1', 'a', 'kvm-2', 'kvm-10', 'started')], OPTS);
    expect(m.moves).toEqual([
      expect.objectContaining({
        id: 'm1',
        vm: 'a',
        from: 'kvm-2',
        to: 'kvm-10',
        state: 'running',
        progress: 0.75,
        opacity: 1,
      }),
    ]);
  });

  it('fades finished moves with age and drops them after the fade time; never-run ones are not drawn', () => {
    const events = [
      migration('new', 'a', 'kvm-2', 'kvm-10', 'completed', 0),
      migration('half', 'b', 'kvm-2', 'kvm-10', 'failed', 5 * 60_000),
      migration('old', 'c', 'kvm-10', 'kvm-2', 'completed', 11 * 60_000),
      { ...migration('skip', 'c', 'kvm-10', 'kvm-2', 'skipped'), phases: [] },
    ];
    const m = clusterFromFrames(frames, events, OPTS);
    expect(m.moves.map((x) => [x.id, x.state, x.opacity])).toEqual([
      ['new', 'completed', 1],
      ['half', 'failed', 0.5],
    ]);
  });

  it('keeps only the hosts of the filter', () => {
    const m = clusterFromFrames(frames, [], { ...OPTS, hosts: 'kvm-10' });
    expect(m.hosts.map((h) => h.name)).toEqual(['kvm-10']);
  });
});

describe('vmEvents', () => {
  it("lists a VM's events newest first, one per id (its latest state)", () => {
    const started = migration('m1', 'a', 'kvm-2', 'kvm-10', 'started');
    const done = { ...migration('m1', 'a', 'kvm-2', 'kvm-10', 'completed', 0) };
    const other = { ...started, id: 'x', vm: 'b' };
    const local = { ...started, id: 'l1', action: 'set_cpu_shares', timeMs: NOW, kind: 'local' as const };
    expect(vmEvents([started, other, done, local], 'a').map((e) => [e.id, e.result])).toEqual([
      ['l1', 'started'],
      ['m1', 'completed'],
    ]);
  });
});
