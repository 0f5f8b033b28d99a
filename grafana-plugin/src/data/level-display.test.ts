import { FieldType, ThresholdsMode, createDataFrame, createTheme } from '@grafana/data';
import { DEFAULT_MIN_LEVEL, defaultLevelThresholds, levelDisplay } from './level-display';
import { thresholdLabels, thresholdStep } from './points-display';

const theme = createTheme({ colors: { mode: 'dark' } });
const frame = (refId: string, value: number) =>
  createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: [0] },
      { name: 'Value', type: FieldType.number, values: [value], labels: { host: 'a', domain: 'v' } },
    ],
  });
const frames = [frame('points', 30), frame('serviceLevel', 0.7)];
const bands = {
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: -Infinity, color: 'red' },
    { value: 0.3, color: 'orange' },
    { value: 0.9, color: 'blue' },
  ],
};

describe('levelDisplay', () => {
  it('defaults to two bands at the planner’s lowest tolerable level, in the theme’s error and success colours', () => {
    const d = levelDisplay(frames, { defaults: {}, overrides: [] }, 'serviceLevel', theme);
    expect(d.thresholds).toEqual(defaultLevelThresholds(theme));
    expect(d.thresholds.steps.map((s) => s.color)).toEqual([theme.colors.error.main, theme.colors.success.main]);
    expect([0.49, DEFAULT_MIN_LEVEL, 1].map((v) => thresholdStep(d, v).index)).toEqual([0, 1, 1]);
    expect(thresholdLabels(d)).toEqual(['< 0.5', '≥ 0.5']);
  });

  it('ignores the points’ thresholds (the defaults) and overrides on other queries', () => {
    const d = levelDisplay(
      frames,
      {
        defaults: { thresholds: bands },
        overrides: [
          { matcher: { id: 'byFrameRefID', options: 'points' }, properties: [{ id: 'thresholds', value: bands }] },
        ],
      },
      'serviceLevel',
      theme
    );
    expect(d.thresholds).toEqual(defaultLevelThresholds(theme));
  });

  it('takes the thresholds of an override on the service level query (the last matching one)', () => {
    const other = { mode: ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: 'green' }] };
    const d = levelDisplay(
      frames,
      {
        defaults: {},
        overrides: [
          {
            matcher: { id: 'byFrameRefID', options: 'serviceLevel' },
            properties: [{ id: 'thresholds', value: other }],
          },
          {
            matcher: { id: 'byFrameRefID', options: 'serviceLevel' },
            properties: [{ id: 'thresholds', value: bands }],
          },
        ],
      },
      'serviceLevel',
      theme
    );
    expect(d.thresholds).toBe(bands);
    expect([0.1, 0.3, 0.7, 0.95].map((v) => thresholdStep(d, v).index)).toEqual([0, 1, 1, 2]);
    expect(thresholdLabels(d)).toEqual(['< 0.3', '0.3–0.9', '≥ 0.9']);
  });

  it('takes the override before any VM has a service level (the query answered nothing yet)', () => {
    const d = levelDisplay(
      [frame('points', 30)],
      {
        defaults: {},
        overrides: [
          {
            matcher: { id: 'byFrameRefID', options: 'serviceLevel' },
            properties: [{ id: 'thresholds', value: bands }],
          },
        ],
      },
      'serviceLevel',
      theme
    );
    expect(d.thresholds).toBe(bands);
  });

  it('reads percentage thresholds against a service level of 1', () => {
    const pct = { ...bands, mode: ThresholdsMode.Percentage, steps: [bands.steps[0], { value: 80, color: 'green' }] };
    const d = levelDisplay(
      frames,
      {
        defaults: {},
        overrides: [
          { matcher: { id: 'byFrameRefID', options: 'serviceLevel' }, properties: [{ id: 'thresholds', value: pct }] },
        ],
      },
      'serviceLevel',
      theme
    );
    expect([0.79, 0.8].map((v) => thresholdStep(d, v).index)).toEqual([0, 1]);
  });
});
