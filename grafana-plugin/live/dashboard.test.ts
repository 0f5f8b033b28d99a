import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RANGE_QUERIES } from './data';
import { dashboardPanels, withFieldConfigParam } from './dashboard';
import pluginJson from '../src/plugin.json';

const shipped = readFileSync(path.join(__dirname, '..', '..', 'dashboards', 'vmpilot-overview.json'), 'utf8');

describe('the live page’s panels from the shipped dashboard', () => {
  const panels = dashboardPanels(shipped, pluginJson.id);

  it('has a panel for each of the four views', () => {
    expect([...panels.keys()].sort()).toEqual(['cluster', 'events', 'migrations', 'points']);
  });

  it('names only refIds the page queries (its named range queries), so every series arrives', () => {
    for (const [view, { options }] of panels) {
      const named = Object.entries(options).filter(([k]) => k.endsWith('RefId'));
      for (const [k, v] of named) {
        expect({ view, [k]: (RANGE_QUERIES as readonly unknown[]).includes(v) }).toEqual({ view, [k]: true });
      }
    }
  });

  it('loads the thresholds’ null base step as -Infinity, as Grafana does', () => {
    const steps = panels.get('cluster')?.fieldConfig.defaults.thresholds?.steps ?? [];
    expect(steps.length).toBeGreaterThan(1);
    expect(steps[0].value).toBe(-Infinity);
  });
});

describe('withFieldConfigParam', () => {
  const base = { defaults: { unit: 'none', decimals: 1 }, overrides: [] };
  it('adds the parameter’s defaults over the panel’s and its overrides after', () => {
    const o = { matcher: { id: 'byFrameRefID', options: 'serviceLevel' }, properties: [] };
    expect(withFieldConfigParam(base, JSON.stringify({ defaults: { unit: 'percent' }, overrides: [o] }))).toEqual({
      defaults: { unit: 'percent', decimals: 1 },
      overrides: [o],
    });
    expect(withFieldConfigParam(base, null)).toBe(base);
  });
  it('says what is wrong with a bad parameter', () => {
    expect(() => withFieldConfigParam(base, '{unit')).toThrow(/^fieldConfig URL parameter is not JSON/);
    expect(() => withFieldConfigParam(base, '[1]')).toThrow(/must be an object/);
  });
});
