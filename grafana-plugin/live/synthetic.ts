// A synthetic cluster for the cluster-view benchmark (pure, deterministic): N hosts with
// VMs of varied memory and points, one host overloaded, one migration running and a few
// finished ones (`extraMoves` more finished ones, all leaving the hot host, to crowd the
// arrow band) — the frames Grafana would hand the panel.
import type { DataFrame } from '@grafana/data';
import { eventsFrame, rangeFrames, type RangeSeries } from './frames';

export function syntheticCluster(hosts: number, vmsPerHost: number, nowMs: number, extraMoves = 0): DataFrame[] {
  const points: RangeSeries[] = [];
  const memory: RangeSeries[] = [];
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let h = 0; h < hosts; h++) {
    const host = `kvm-${String(h + 1).padStart(3, '0')}`;
    for (let v = 0; v < vmsPerHost; v++) {
      const domain = `vm-${h + 1}-${v + 1}`;
      const cpu = h === 0 ? 15 : rnd() * 12;
      for (const [resource, value] of [
        ['cpu', cpu],
        ['mem', rnd() * 8],
        ['disk', rnd() * 3],
        ['net', rnd() * 3],
        ['total', cpu * 0.6 + 2],
      ] as const) {
        points.push({ labels: { host, domain, resource }, times: [nowMs], values: [value] });
      }
      memory.push({ labels: { host, domain }, times: [nowMs], values: [(1 + Math.floor(rnd() * 8)) * 256 * 2 ** 20] });
    }
  }
  const move = (i: number, result: string, ageMs: number) => ({
    id: `m${i}`,
    time: new Date(nowMs - ageMs - 5000).toISOString(),
    kind: 'global',
    vm: `vm-1-${i + 1}`,
    host: 'kvm-001',
    to: `kvm-${String(2 + ((i * 37) % Math.max(1, hosts - 1))).padStart(3, '0')}`,
    action: 'migrate',
    result,
    reason: { rule: 'global.hotspot', text: 'kvm-001 overloaded on cpu' },
    before: null,
    after: null,
    phases: [
      { phase: 'started', time: new Date(nowMs - ageMs - 4000).toISOString() },
      ...(result === 'started' ? [] : [{ phase: result, time: new Date(nowMs - ageMs).toISOString() }]),
    ],
  });
  const events = [
    move(0, 'started', 0),
    move(1, 'completed', 60_000),
    move(2, 'completed', 240_000),
    move(3, 'failed', 120_000),
    ...Array.from({ length: extraMoves }, (_, i) => move(4 + i, 'completed', 30_000 * (i + 1))),
  ];
  const remaining: RangeSeries[] = [
    {
      labels: { domain: 'vm-1-1', from: 'kvm-001', to: String(events[0].to) },
      times: [nowMs],
      values: [128 * 2 ** 20],
    },
  ];
  return [
    ...rangeFrames('points', points),
    ...rangeFrames('memory', memory),
    ...rangeFrames('migrationRemaining', remaining),
    eventsFrame('events', events),
  ];
}
