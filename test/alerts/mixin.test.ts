// The monitoring mixin (issue 14 item 3) with the real tools: promtool checks and unit-tests
// the rules (every alert of vmpilot-operations.yml fires in one case and stays quiet in
// another), every alert carries summary, description and a runbook_url whose section
// exists in docs/runbook.md, the job selector is configurable (alerts/render.mjs: the same
// tests pass with another job only after rendering), and amtool accepts the example
// Alertmanager config.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { requireTool } from '../helpers/require-tool';

const root = path.join(__dirname, '..', '..');
const alertsDir = path.join(root, 'alerts');
const RULE_FILES = ['vmpilot-rules.yml', 'vmpilot-operations.yml'];

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}
const rulesOf = (file: string): Rule[] =>
  (
    YAML.parse(readFileSync(path.join(alertsDir, file), 'utf8')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((g) => g.rules);
const alerts = RULE_FILES.flatMap(rulesOf).filter((r) => r.alert);

/** GitHub's anchor of a Markdown heading. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');

function promtoolTest(dir: string, file: string): { ok: boolean; out: string } {
  const r = spawnSync('promtool', ['test', 'rules', file], { cwd: dir, timeout: 60_000 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('monitoring mixin', () => {
  beforeAll(() => {
    requireTool('promtool', 'prometheus');
    requireTool('amtool', 'prometheus-alertmanager');
  });

  it('promtool check rules passes with at least 8 operational alerts', () => {
    const out = execFileSync('promtool', ['check', 'rules', ...RULE_FILES], { cwd: alertsDir }).toString();
    expect(out).not.toMatch(/FAILED/);
    expect(rulesOf('vmpilot-operations.yml').filter((r) => r.alert).length).toBeGreaterThanOrEqual(8);
  });

  it('every alert has summary, description and a runbook_url to an existing section', () => {
    const runbook = readFileSync(path.join(root, 'docs', 'runbook.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1])));
    for (const a of alerts) {
      const ann = a.annotations ?? {};
      expect({ alert: a.alert, summary: !!ann.summary, description: !!ann.description }).toEqual({
        alert: a.alert,
        summary: true,
        description: true,
      });
      const m = /^docs\/runbook\.md#(.+)$/.exec(ann.runbook_url ?? '');
      expect({ alert: a.alert, runbook: m?.[1] && sections.has(m[1]) }).toEqual({
        alert: a.alert,
        runbook: true,
      });
    }
  });

  it('promtool test rules: each operational alert fires in one case and not in another', () => {
    const r = promtoolTest(alertsDir, 'vmpilot-operations.test.yml');
    expect(r.out).toContain('SUCCESS');
    expect(r.ok).toBe(true);
    const tests = (
      YAML.parse(readFileSync(path.join(alertsDir, 'vmpilot-operations.test.yml'), 'utf8')) as {
        tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test);
    for (const a of rulesOf('vmpilot-operations.yml').filter((x) => x.alert)) {
      const cases = tests.filter((t) => t.alertname === a.alert);
      expect({ alert: a.alert, fires: cases.some((c) => c.exp_alerts.length > 0) }).toEqual({
        alert: a.alert,
        fires: true,
      });
      expect({ alert: a.alert, quiet: cases.some((c) => c.exp_alerts.length === 0) }).toEqual({
        alert: a.alert,
        quiet: true,
      });
    }
  });

  it('the job selector is configurable: other job names pass only after render.mjs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-mixin-'));
    try {
      const testYaml = readFileSync(path.join(alertsDir, 'vmpilot-operations.test.yml'), 'utf8')
        .replaceAll('vmpilot-exporter', 'kvm-metrics')
        .replaceAll('vmpilot-autoscaler', 'balancer');
      writeFileSync(path.join(dir, 'vmpilot-operations.test.yml'), testYaml);
      // The shipped rules do not see the other job names: the test fails.
      for (const f of RULE_FILES) writeFileSync(path.join(dir, f), readFileSync(path.join(alertsDir, f)));
      expect(promtoolTest(dir, 'vmpilot-operations.test.yml').ok).toBe(false);
      // Rendered for them, it passes.
      for (const f of RULE_FILES) {
        const rendered = execFileSync(process.execPath, [
          path.join(alertsDir, 'render.mjs'),
          '--exporter',
          'job="kvm-metrics"',
          '--autoscaler',
          'job="balancer"',
          path.join(alertsDir, f),
        ]).toString();
        writeFileSync(path.join(dir, f), rendered);
      }
      const r = promtoolTest(dir, 'vmpilot-operations.test.yml');
      expect(r.out).toContain('SUCCESS');
      expect(r.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('amtool check-config accepts the example Alertmanager config', () => {
    const out = execFileSync('amtool', ['check-config', 'alertmanager.yml'], { cwd: alertsDir }).toString();
    expect(out).toMatch(/SUCCESS/);
  });
});
