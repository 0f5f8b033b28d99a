import { FieldType, ThresholdsMode, createDataFrame, type FieldConfig } from '@grafana/data';
import { DEFAULT_THRESHOLDS, formatPoints, pointsDisplay, thresholdLabels, thresholdStep } from './points-display';

function points(config: FieldConfig = {}) {
  return createDataFrame({
    refId: 'points',
    fields: [
      { name: 'Time', type: FieldType.time, values: [0] },
      {
        name: 'Value',
        type: FieldType.number,
        values: [12],
        labels: { host: 'a', domain: 'v', resource: 'cpu' },
        config,
      },
    ],
  });
}
const memory = createDataFrame({
  refId: 'memory',
  fields: [
    { name: 'Time', type: FieldType.time, values: [0] },
    {
      name: 'Value',
      type: FieldType.number,
      values: [1],
      labels: { host: 'a', domain: 'v' },
      config: { unit: 'bytes' },
    },
  ],
});

describe('pointsDisplay', () => {
  it('has the panel’s defaults without any field config', () => {
    expect(pointsDisplay([points()])).toEqual({ unit: 'none', decimals: 1, thresholds: DEFAULT_THRESHOLDS });
  });

  it('takes what Grafana applied to the points field over the panel defaults, never another query’s', () => {
    const thresholds = {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'blue' },
        { value: 70, color: 'red' },
      ],
    };
    const d = pointsDisplay([memory, points({ unit: 'percent', decimals: 0, max: 200, thresholds })], {
      defaults: { unit: 'short', decimals: 3 },
      overrides: [],
    });
    expect(d).toEqual({ unit: 'percent', decimals: 0, max: 200, thresholds });
    expect(pointsDisplay([memory, points()], { defaults: { decimals: 3 }, overrides: [] }).unit).toBe('none');
    expect(pointsDisplay([points()], { defaults: { decimals: 3 }, overrides: [] }).decimals).toBe(3);
  });

  it('applies the overrides matching the points field where the host did not (Grafana’s matchers)', () => {
    const fieldConfig = {
      defaults: { unit: 'short', decimals: 3 },
      overrides: [
        { matcher: { id: 'byFrameRefID', options: 'points' }, properties: [{ id: 'unit', value: 'percent' }] },
        { matcher: { id: 'byFrameRefID', options: 'memory' }, properties: [{ id: 'decimals', value: 0 }] },
        { matcher: { id: 'noSuchMatcher', options: '' }, properties: [{ id: 'decimals', value: 5 }] },
      ],
    };
    expect(pointsDisplay([memory, points()], fieldConfig)).toMatchObject({ unit: 'percent', decimals: 3 });
    // What Grafana applied (it already holds the overrides) wins.
    expect(pointsDisplay([points({ unit: 'bytes' })], fieldConfig).unit).toBe('bytes');
  });

  it('formats with the unit and decimals', () => {
    expect(formatPoints(pointsDisplay([points()]), 12.345)).toBe('12.3');
    expect(formatPoints(pointsDisplay([points({ unit: 'percent', decimals: 0 })]), 12.345)).toBe('12%');
  });
});

describe('thresholdStep and thresholdLabels', () => {
  it('finds the step of a value (default steps 10, 25, 50)', () => {
    const d = pointsDisplay([points()]);
    expect([0, 9.9, 10, 30, 50, 99].map((v) => thresholdStep(d, v).index)).toEqual([0, 0, 1, 2, 3, 3]);
    expect(thresholdStep(d, 30).step.color).toBe('orange');
    expect(thresholdLabels(d)).toEqual(['< 10', '10–25', '25–50', '≥ 50']);
  });

  it('reads percentage thresholds against max (a whole host, 100 points, without one)', () => {
    const thresholds = {
      mode: ThresholdsMode.Percentage,
      steps: [
        { value: -Infinity, color: 'green' },
        { value: 50, color: 'red' },
      ],
    };
    expect(thresholdStep(pointsDisplay([points({ thresholds })]), 60).index).toBe(1);
    expect(thresholdStep(pointsDisplay([points({ thresholds, max: 200 })]), 60).index).toBe(0);
    expect(thresholdLabels(pointsDisplay([points({ thresholds })]))).toEqual(['< 50 %', '≥ 50 %']);
  });
});
