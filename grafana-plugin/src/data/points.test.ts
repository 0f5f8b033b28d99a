import { FieldType, createDataFrame } from '@grafana/data';
import { pointsFromFrames } from './points';

/** A Prometheus series as Grafana's Prometheus data source returns it: one frame per series. */
function series(host: string, domain: string, resource: string, values: number[]) {
  return createDataFrame({
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => 1000 * i) },
      { name: 'Value', type: FieldType.number, values, labels: { host, domain, resource } },
    ],
  });
}

describe('pointsFromFrames', () => {
  const frames = [
    series('kvm-a', 'web1', 'cpu', [10, 30]),
    series('kvm-a', 'web1', 'mem', [5, 20]),
    series('kvm-a', 'web1', 'total', [40, 45]),
    series('kvm-b', 'db1', 'cpu', [70]),
    series('kvm-b', 'db1', 'disk', [10]),
    series('kvm-b', 'idle', 'cpu', [1]),
  ];

  it('takes the latest value per VM and resource, sorted by total (the weighted one when present)', () => {
    const rows = pointsFromFrames(frames);
    expect(rows.map((r) => r.vm)).toEqual(['db1', 'web1', 'idle']);
    expect(rows[1]).toEqual({ vm: 'web1', host: 'kvm-a', points: { cpu: 30, mem: 20, disk: 0, net: 0 }, total: 45 });
    expect(rows[0].total).toBe(80); // no "total" series: the sum
  });

  it('keeps only the hosts asked for', () => {
    expect(pointsFromFrames(frames, 'kvm-a').map((r) => r.vm)).toEqual(['web1']);
    expect(pointsFromFrames(frames, ' kvm-b , nowhere').map((r) => r.vm)).toEqual(['db1', 'idle']);
  });

  it('ignores series without the vmpilot labels', () => {
    const other = createDataFrame({
      fields: [{ name: 'Value', type: FieldType.number, values: [1], labels: { job: 'x' } }],
    });
    expect(pointsFromFrames([other])).toEqual([]);
  });

  it('places a VM that migrated within the range on the host with the newest sample', () => {
    const moved = [
      series('kvm-a', 'web1', 'cpu', [10, 20, 30]), // samples at 0, 1, 2 s: the old host's series ends
      series('kvm-b', 'web1', 'cpu', [40, 50, 60, 70, 80]), // ... and the new one goes on
    ];
    const rows = pointsFromFrames(moved);
    expect(rows.map((r) => [r.vm, r.host, r.points.cpu])).toEqual([['web1', 'kvm-b', 80]]);
  });
});
