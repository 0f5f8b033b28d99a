// The live view's panels as the shipped Grafana dashboard (dashboards/vmpilot-overview.json)
// sets them up: each view's panel options and field config (defaults and overrides), read
// from the dashboard JSON (pure). One definition: the page shows what the dashboard shows.
// A `fieldConfig` URL parameter (a FieldConfigSource as JSON) adds to every panel's, as
// editing the dashboard would: its defaults over the panel's, its overrides after.
import type { FieldConfigSource, ThresholdsConfig } from '@grafana/data';
import type { PanelView, VmpilotOptions } from '../src/types';

export interface PanelSetup {
  options: Partial<VmpilotOptions>;
  fieldConfig: FieldConfigSource;
}

interface DashboardPanel {
  type?: string;
  options?: Partial<VmpilotOptions>;
  fieldConfig?: Partial<FieldConfigSource>;
}

/** A saved threshold base step has value null; Grafana reads it as -Infinity. */
function loadedThresholds(t: unknown): unknown {
  const steps = (t as Partial<ThresholdsConfig> | undefined)?.steps;
  if (!Array.isArray(steps)) {
    return t;
  }
  return { ...(t as object), steps: steps.map((s) => ({ ...s, value: s.value ?? -Infinity })) };
}

/** A field config source as Grafana loads it from JSON (thresholds' null base steps restored). */
export function loadedFieldConfig(c: Partial<FieldConfigSource> | undefined): FieldConfigSource {
  const defaults = { ...c?.defaults };
  if (defaults.thresholds) {
    defaults.thresholds = loadedThresholds(defaults.thresholds) as ThresholdsConfig;
  }
  const overrides = (c?.overrides ?? []).map((o) => ({
    ...o,
    properties: o.properties.map((p) => (p.id === 'thresholds' ? { ...p, value: loadedThresholds(p.value) } : p)),
  }));
  return { defaults, overrides };
}

/** The first panel of plugin `pluginId` per view in a dashboard's JSON text. */
export function dashboardPanels(json: string, pluginId: string): Map<PanelView, PanelSetup> {
  const dash = JSON.parse(json) as { panels?: DashboardPanel[] };
  const out = new Map<PanelView, PanelSetup>();
  for (const p of dash.panels ?? []) {
    const view = p.options?.view;
    if (p.type === pluginId && view && !out.has(view)) {
      out.set(view, { options: p.options ?? {}, fieldConfig: loadedFieldConfig(p.fieldConfig) });
    }
  }
  return out;
}

/** The `fieldConfig` URL parameter added to a panel's field config; a clear error when it is not JSON. */
export function withFieldConfigParam(base: FieldConfigSource, param: string | null): FieldConfigSource {
  if (param === null || param.trim() === '') {
    return base;
  }
  let given: Partial<FieldConfigSource>;
  try {
    given = JSON.parse(param) as Partial<FieldConfigSource>;
  } catch (e) {
    throw new Error(`fieldConfig URL parameter is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new Error('fieldConfig URL parameter must be an object {defaults, overrides}');
  }
  const add = loadedFieldConfig(given);
  return { defaults: { ...base.defaults, ...add.defaults }, overrides: [...base.overrides, ...add.overrides] };
}
