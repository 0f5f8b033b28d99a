import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FieldType, createDataFrame } from '@grafana/data';
import {
  PRIORITY_CLASSES,
  byPriority,
  priorityText,
  sortByPriority,
  vmExtrasFromFrames,
  type VmPriority,
} from './vm-series';

function series(refId: string, labels: Record<string, string>, values: number[], t0 = 0) {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => t0 + 1000 * i) },
      { name: 'Value', type: FieldType.number, values, labels },
    ],
  });
}

const REFS = { priorityRefId: 'priority', serviceLevelRefId: 'serviceLevel' };

describe('vmExtrasFromFrames', () => {
  it('reads each VM’s priority (class label, weight value) and service level from their refIds', () => {
    const extras = vmExtrasFromFrames(
      [
        series('priority', { host: 'a', domain: 'db', class: 'critical' }, [1]),
        series('priority', { host: 'a', domain: 'web', class: 'high' }, [1, 2.5]),
        series('serviceLevel', { host: 'a', domain: 'web' }, [0.9, 0.42]),
        // Points of the same VM are not a priority (no refId match).
        series('points', { host: 'a', domain: 'web', resource: 'cpu' }, [40]),
      ],
      REFS
    );
    expect(extras.get('db')).toEqual({ priority: { class: 'critical', weight: 1 } });
    expect(extras.get('web')).toEqual({ priority: { class: 'high', weight: 2.5 }, serviceLevel: 0.42 });
  });

  it('keeps the newest series of a VM that migrated (its old host’s series ends earlier)', () => {
    const extras = vmExtrasFromFrames(
      [
        series('priority', { host: 'new', domain: 'web', class: 'low' }, [3], 60_000),
        series('priority', { host: 'old', domain: 'web', class: 'normal' }, [1, 1], 0),
      ],
      REFS
    );
    expect(extras.get('web')?.priority).toEqual({ class: 'low', weight: 3 });
  });

  it('follows the refIds the options name', () => {
    const frames = [series('prio', { host: 'a', domain: 'web', class: 'high' }, [1])];
    expect(vmExtrasFromFrames(frames, REFS).size).toBe(0);
    expect(vmExtrasFromFrames(frames, { ...REFS, priorityRefId: 'prio' }).get('web')?.priority?.class).toBe('high');
  });
});

describe('priority order and text', () => {
  const p = (c: string, weight = 1): VmPriority => ({ class: c, weight });

  it('puts the more important class first, then the heavier weight; unknown classes and none last', () => {
    const list: Array<[string, VmPriority | undefined]> = [
      ['n', p('normal')],
      ['c', p('critical')],
      ['x', p('mystery')],
      ['h1', p('high', 1)],
      ['h3', p('high', 3)],
      ['be', p('best-effort')],
      ['none', undefined],
    ];
    const sorted = [...list].sort((a, b) => byPriority(a[1], b[1])).map(([n]) => n);
    expect(sorted).toEqual(['c', 'h3', 'h1', 'n', 'none', 'be', 'x']);
  });

  it('sorts rows by priority, then by points', () => {
    const extras = new Map([
      ['a', { priority: p('low') }],
      ['b', { priority: p('high') }],
    ]);
    const rows = [
      { vm: 'a', total: 90 },
      { vm: 'c', total: 10 },
      { vm: 'd', total: 20 },
      { vm: 'b', total: 5 },
    ];
    expect(sortByPriority(rows, extras).map((r) => r.vm)).toEqual(['b', 'd', 'c', 'a']);
  });

  it('says the class, the weight when not 1, and – without a series', () => {
    expect(priorityText(p('high'))).toBe('high');
    expect(priorityText(p('low', 0.25))).toBe('low ×0.25');
    expect(priorityText(undefined)).toBe('–');
  });

  it('lists the classes as the autoscaler defines them (core/model/priority.ts)', () => {
    const source = readFileSync(path.join(__dirname, '..', '..', '..', 'core', 'model', 'priority.ts'), 'utf8');
    const m = /export const PRIORITY_CLASSES = \[([^\]]*)\]/.exec(source);
    expect(m).not.toBeNull();
    const classes = [...(m?.[1] ?? '').matchAll(/'([^']+)'/g)].map((x) => x[1]);
    expect(classes).toEqual([...PRIORITY_CLASSES]);
  });
});
