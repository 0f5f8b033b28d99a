// The panel's field config overrides that apply to one field (pure), matched with
// Grafana's own field matchers from @grafana/data (by query refId, name, regex, type…),
// later overrides winning as in Grafana. Grafana applies defaults and overrides to the
// fields before the panel sees them; a page that mounts the panel outside Grafana (the
// live view, the tests) cannot run that step, so the panel reads the overrides itself —
// and the service-level colours need to know whether an override set their thresholds,
// which the applied config no longer says.
import { getFieldMatcher, type DataFrame, type Field, type FieldConfigSource } from '@grafana/data';

/** Properties (by id: unit, decimals, max, thresholds, …) the overrides matching `field` set. */
export function overrideProperties(
  fieldConfig: FieldConfigSource | undefined,
  field: Field,
  frame: DataFrame,
  frames: DataFrame[]
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of fieldConfig?.overrides ?? []) {
    let matches = false;
    try {
      matches = getFieldMatcher(o.matcher)(field, frame, frames);
    } catch {
      // An unknown matcher id (a newer Grafana's): Grafana itself skips such an override.
      continue;
    }
    if (matches) {
      for (const p of o.properties) {
        out[p.id] = p.value;
      }
    }
  }
  return out;
}
