// Turns the autoscaler's answers into the data frames Grafana would hand the panel (pure):
// a range series as Grafana's Prometheus data source returns it (a Time field and a Value
// field carrying the labels, one frame per series), and the events API's page as a JSON
// data source (Infinity, root selector `events`) returns it (one row per event).
import { FieldType, createDataFrame, type DataFrame } from '@grafana/data';

/** One series of GET /api/v1/ui/range (autoscaler/api/ui.ts). */
export interface RangeSeries {
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

export function rangeFrames(refId: string, series: RangeSeries[]): DataFrame[] {
  return series.map((s) =>
    createDataFrame({
      refId,
      fields: [
        { name: 'Time', type: FieldType.time, values: s.times },
        { name: 'Value', type: FieldType.number, values: s.values, labels: s.labels },
      ],
    })
  );
}

/** The event fields the panel reads (the events API's shape, SPEC §11). */
const EVENT_FIELDS = [
  'id',
  'time',
  'kind',
  'vm',
  'host',
  'action',
  'result',
  'reason',
  'before',
  'after',
  'to',
  'phases',
];

export function eventsFrame(refId: string, events: Array<Record<string, unknown>>): DataFrame {
  return createDataFrame({
    refId,
    fields: EVENT_FIELDS.map((name) => ({
      name,
      type: name === 'time' ? FieldType.time : FieldType.other,
      values: events.map((e) => (name === 'time' ? Date.parse(String(e.time)) : (e[name] ?? null))),
    })),
  });
}
