// Every shipped dashboard is valid JSON whose queries only name metrics vmpilot really
// publishes: the exporter's golden /metrics fixtures, the autoscaler's own metrics, and
// the recording rules in alerts/. A renamed metric breaks this test, not an operator's panel.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const root = path.join(__dirname, '..', '..');

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : ext.test(f) ? [p] : [];
  });
}

function publishedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const f of filesUnder(path.join(root, 'exporter', 'fixtures'), /\.prom$/)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^(vmpilot_[a-z0-9_]+)/gm)) names.add(m[1]);
  }
  // Metrics the services register in code (names are string literals there).
  for (const dir of ['exporter', 'autoscaler']) {
    for (const f of filesUnder(path.join(root, dir), /(?<!\.test)\.ts$/)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/['"`](vmpilot_[a-z0-9_]+)['"`]/g)) names.add(m[1]);
    }
  }
  const rules = YAML.parse(readFileSync(path.join(root, 'alerts', 'vmpilot-rules.yml'), 'utf8')) as {
    groups: { rules: { record?: string }[] }[];
  };
  for (const g of rules.groups) for (const r of g.rules) if (r.record) names.add(r.record);
  return names;
}

interface Panel {
  title: string;
  type: string;
  options?: Record<string, unknown>;
  /** Prometheus targets have `expr`; JSON (Infinity) targets for the events API do not. */
  targets?: { refId?: string; expr?: string; url?: string; datasource?: { type?: string } }[];
}

/** Grafana's built-in "-- Mixed --" data source: each target names its own. */
const MIXED = '-- Mixed --';

const dashboards = readdirSync(path.join(root, 'dashboards')).filter((f) => f.endsWith('.json'));

describe('dashboards', () => {
  const known = publishedMetrics();

  it('ships at least one dashboard', () => {
    expect(dashboards.length).toBeGreaterThan(0);
  });

  it.each(dashboards)('%s queries only published metrics', (file) => {
    const dash = JSON.parse(readFileSync(path.join(root, 'dashboards', file), 'utf8')) as {
      uid: string;
      panels: Panel[];
    };
    expect(dash.uid).toMatch(/^[a-z0-9-]+$/);
    const unknown: string[] = [];
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        for (const m of (t.expr ?? '').matchAll(/\b(vmpilot[:_][a-z0-9_:]+)/g)) {
          const name = m[1].replace(/_(bucket|sum|count)$/, '');
          if (!known.has(name)) unknown.push(`${p.title}: ${m[1]}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('uses the vmpilot panel plugin by its id, each of its views, with valid options', () => {
    const plugin = JSON.parse(
      readFileSync(path.join(root, 'grafana-plugin', 'src', 'plugin.json'), 'utf8'),
    ) as {
      id: string;
    };
    const views = dashboards.flatMap((file) =>
      (JSON.parse(readFileSync(path.join(root, 'dashboards', file), 'utf8')) as { panels: Panel[] }).panels
        .filter((p) => p.type === plugin.id)
        .map((p) => p.options),
    );
    expect(views.map((o) => o?.view).sort()).toEqual(['cluster', 'events', 'migrations', 'points']);
    for (const o of views) expect(['classic', 'colorblind']).toContain(o?.colorScheme);
  });

  it('gives each vmpilot panel a query for every refId its options name, and the cluster its events', () => {
    const plugin = JSON.parse(
      readFileSync(path.join(root, 'grafana-plugin', 'src', 'plugin.json'), 'utf8'),
    ) as {
      id: string;
    };
    const panels = dashboards.flatMap((file) =>
      (
        JSON.parse(readFileSync(path.join(root, 'dashboards', file), 'utf8')) as { panels: Panel[] }
      ).panels.filter((p) => p.type === plugin.id),
    );
    for (const p of panels) {
      const refIds = new Set((p.targets ?? []).map((t) => t.refId));
      const named = Object.entries(p.options ?? {}).filter(([k]) => k.endsWith('RefId'));
      const missing = named.filter(([, v]) => !refIds.has(String(v))).map(([k, v]) => `${k}=${String(v)}`);
      expect({ panel: p.title, missing }).toEqual({ panel: p.title, missing: [] });
    }
    const cluster = panels.find((p) => p.options?.view === 'cluster');
    const targets = cluster?.targets ?? [];
    expect(targets.some((t) => /\bvmpilot_vm_points\b/.test(t.expr ?? ''))).toBe(true);
    expect(targets.some((t) => /\bvmpilot_migration_remaining_bytes\b/.test(t.expr ?? ''))).toBe(true);
    expect(targets.some((t) => /\/api\/v1\/events$/.test(t.url ?? ''))).toBe(true);
  });

  it.each(dashboards)('%s declares in __requires every panel type and data source it uses', (file) => {
    const dash = JSON.parse(readFileSync(path.join(root, 'dashboards', file), 'utf8')) as {
      __requires?: { type: string; id: string }[];
      panels: (Panel & { datasource?: { type?: string } })[];
    };
    const required = new Set((dash.__requires ?? []).map((r) => `${r.type}:${r.id}`));
    expect(required.has('grafana:grafana')).toBe(true);
    for (const p of dash.panels) {
      expect({ panel: p.title, required: required.has(`panel:${p.type}`) }).toEqual({
        panel: p.title,
        required: true,
      });
      // A mixed panel's data sources are its targets'; the built-in Mixed one needs nothing.
      const mixed = (p.datasource as { uid?: string } | undefined)?.uid === MIXED;
      if (mixed)
        expect({ panel: p.title, targets: p.targets?.length ?? 0 }).not.toEqual({
          panel: p.title,
          targets: 0,
        });
      const types = mixed ? (p.targets ?? []).map((t) => t.datasource?.type) : [p.datasource?.type];
      for (const ds of types) {
        if (mixed || ds)
          expect({ panel: p.title, ds, required: required.has(`datasource:${ds}`) }).toEqual({
            panel: p.title,
            ds,
            required: true,
          });
      }
    }
  });

  it.each(dashboards)(
    '%s uses $__rate_interval, never a hard-coded range, and aggregates labelled stats',
    (file) => {
      const dash = JSON.parse(readFileSync(path.join(root, 'dashboards', file), 'utf8')) as {
        panels: Panel[];
      };
      for (const p of dash.panels) {
        for (const t of p.targets ?? []) {
          const expr = t.expr ?? '';
          expect({ panel: p.title, fixedRange: /\[\d+[smhdw]\]/.test(expr) }).toEqual({
            panel: p.title,
            fixedRange: false,
          });
        }
      }
      // A stat over a metric with a label it does not show (reason) must aggregate it.
      const held = dash.panels.find((p) => p.title === 'Hosts held by the autoscaler');
      expect(held?.targets?.[0]?.expr).toMatch(/^sum\(vmpilot_autoscaler_held_hosts\)$/);
    },
  );

  it('ships Grafana provisioning for the dashboards folder and both data sources', () => {
    const dir = path.join(root, 'dashboards', 'provisioning');
    const dash = YAML.parse(readFileSync(path.join(dir, 'dashboards.yaml'), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(dash.apiVersion).toBe(1);
    expect(dash.providers[0]).toMatchObject({
      type: 'file',
      options: { path: expect.stringMatching(/dashboards$/) },
    });
    const ds = YAML.parse(readFileSync(path.join(dir, 'datasources.yaml'), 'utf8')) as {
      datasources: { type: string }[];
    };
    const types = ds.datasources.map((d) => d.type).sort();
    const used = new Set(
      dashboards.flatMap((f) =>
        (
          (
            JSON.parse(readFileSync(path.join(root, 'dashboards', f), 'utf8')) as {
              __requires?: { type: string; id: string }[];
            }
          ).__requires ?? []
        )
          .filter((r) => r.type === 'datasource')
          .map((r) => r.id),
      ),
    );
    expect(types).toEqual([...used].sort());
  });
});
