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
  targets?: { expr?: string }[];
}

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
    expect(views.map((o) => o?.view).sort()).toEqual(['events', 'migrations', 'points']);
    for (const o of views) expect(['classic', 'colorblind']).toContain(o?.colorScheme);
  });
});
