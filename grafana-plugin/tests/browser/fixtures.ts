// Data the browser test page feeds the panel: what Grafana would hand it from Prometheus
// (vmpilot_vm_points, the VMs' memory, priority and service level series) and from the
// events API through a JSON data source.
import { FieldType, createDataFrame, dateTime, type DataFrame, type FieldConfig, type TimeRange } from '@grafana/data';

export const T0 = Date.parse('2026-11-24T00:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function series(host: string, domain: string, resource: string, value: number, config: FieldConfig = {}): DataFrame {
  return createDataFrame({
    refId: 'points',
    fields: [
      { name: 'Time', type: FieldType.time, values: [T0] },
      { name: 'Value', type: FieldType.number, values: [value], labels: { host, domain, resource }, config },
    ],
  });
}

/** A per-VM series of another query (memory, priority, service level), by refId. */
function vmSeries(refId: string, labels: Record<string, string>, value: number): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: [T0] },
      { name: 'Value', type: FieldType.number, values: [value], labels },
    ],
  });
}

const POINTS: Array<[string, string, number, number, number, number]> = [
  ['kvm-a', 'web1', 30, 20, 5, 5],
  ['kvm-a', 'web2', 10, 10, 0, 2],
  ['kvm-b', 'db1', 50, 25, 15, 0],
  ['kvm-b', 'batch1', 5, 2, 0, 0],
];

/** The points as Grafana hands them after applying the panel's field config (`config`). */
export function pointsWith(config: FieldConfig = {}): DataFrame[] {
  return POINTS.flatMap(([host, vm, cpu, mem, disk, net]) => [
    series(host, vm, 'cpu', cpu, config),
    series(host, vm, 'mem', mem, config),
    series(host, vm, 'disk', disk, config),
    series(host, vm, 'net', net, config),
  ]);
}

export const pointsFrames: DataFrame[] = pointsWith();

/**
 * vmpilot_vm_priority{host,domain,class} (value: weight): deliberately not the points'
 * order, so sorting by priority changes the rows (web2, batch1, db1, web1).
 */
export const PRIORITIES: Record<string, [string, number]> = {
  db1: ['normal', 1],
  web1: ['low', 0.5],
  web2: ['critical', 1],
  batch1: ['high', 2],
};
/** vmpilot_vm_service_level{host,domain}; web2 has no SLI. */
export const SERVICE_LEVELS: Record<string, number> = { db1: 0.8, web1: 0.3, batch1: 0.31 };

export const vmFrames: DataFrame[] = POINTS.flatMap(([host, vm]) => [
  vmSeries('priority', { host, domain: vm, class: PRIORITIES[vm][0] }, PRIORITIES[vm][1]),
  vmSeries('memory', { host, domain: vm }, 2 ** 30),
  ...(SERVICE_LEVELS[vm] !== undefined ? [vmSeries('serviceLevel', { host, domain: vm }, SERVICE_LEVELS[vm])] : []),
]);

const events = [
  {
    id: 'l1',
    time: iso(30),
    kind: 'local',
    vm: 'web1',
    host: 'kvm-a',
    action: 'set_cpu_shares',
    result: 'completed',
    reason: { rule: 'local.shares', text: 'shares ∝ points on kvm-a' },
    before: { shares: 1024 },
    after: { shares: 2048 },
    phases: [],
  },
  {
    id: 'a1',
    time: iso(60),
    kind: 'alert',
    vm: '',
    host: 'kvm-b',
    action: 'VmpilotHostOverloaded',
    result: 'completed',
    reason: { rule: 'alert.firing', text: 'Alertmanager: VmpilotHostOverloaded firing on kvm-b' },
    before: { status: 'inactive' },
    after: { status: 'firing' },
    phases: [],
  },
  {
    id: 'm1',
    time: iso(120),
    kind: 'global',
    vm: 'db1',
    host: 'kvm-b',
    to: 'kvm-a',
    action: 'migrate',
    result: 'completed',
    reason: { rule: 'global.hotspot', text: 'kvm-b overloaded on cpu (95 %): move db1 → kvm-a' },
    before: { host: 'kvm-b' },
    after: { host: 'kvm-a' },
    phases: [
      { phase: 'planned', time: iso(120) },
      { phase: 'started', time: iso(121) },
      { phase: 'completed', time: iso(160), durationSeconds: 39, downtimeMs: 108 },
    ],
  },
  {
    id: 'm2',
    time: iso(300),
    kind: 'global',
    vm: 'batch1',
    host: 'kvm-b',
    to: 'kvm-a',
    action: 'migrate',
    result: 'failed',
    reason: { rule: 'global.hotspot', text: 'kvm-b overloaded on cpu: move batch1 → kvm-a' },
    before: { host: 'kvm-b' },
    after: null,
    phases: [
      { phase: 'started', time: iso(301) },
      { phase: 'failed', time: iso(330), error: 'aborted at deadline' },
    ],
  },
];

const NAMES = ['id', 'time', 'kind', 'vm', 'host', 'action', 'result', 'reason', 'before', 'after', 'to', 'phases'];

export const eventsFrames: DataFrame[] = [
  createDataFrame({
    fields: NAMES.map((name) => ({
      name,
      type: name === 'time' ? FieldType.time : FieldType.string,
      values: events.map((e) => {
        const v = (e as Record<string, unknown>)[name];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
      }),
    })),
  }),
];

export const timeRange: TimeRange = {
  from: dateTime(T0),
  to: dateTime(T0 + 600_000),
  raw: { from: dateTime(T0), to: dateTime(T0 + 600_000) },
};
