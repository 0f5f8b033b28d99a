// `vmpilot simulate … --report FILE.html`: one self-contained HTML page (uPlot's JS and CSS
// inlined, so it opens from file:// with no network) plotting one or more runs of a scenario
// — the figures of seed 000 §V: total throughput and response time over time per mode,
// SLA minutes and response rate per VM, each host's CPU over time, and the migration
// timeline. Every number on the page comes from the runs' SimResult objects: the summary
// table and the embedded JSON hold exactly what `--json` prints (resultSummary), the charts
// draw the result's per-minute series (report-page.js, run in the browser).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resultSummary, type SimResult } from '../../core/sim/results';

/** The id of the `<script type="application/json">` holding the report's data. */
export const REPORT_DATA_ID = 'vmpilot-report-data';

/** What the page embeds per run: `--json`'s object and the series the charts draw. */
export interface ReportRun {
  summary: ReturnType<typeof resultSummary>;
  series: Pick<SimResult, 'host_cpu_per_minute' | 'web_per_minute' | 'migration_timeline'>;
}

export interface ReportData {
  scenario: string;
  seed: number;
  runs: ReportRun[];
}

/** The summary table's columns: SPEC §11 fields first, then the ones an operator asks next. */
export const TABLE_FIELDS = [
  ['throughput_total', 'throughput (resp/s)', 1],
  ['response_time_mean_s', 'response time mean (s)', 3],
  ['response_time_p95_s', 'response time p95 (s)', 3],
  ['sla_violation_vm_minutes', 'SLA violation (VM-min)', 1],
  ['migrations', 'migrations', 0],
  ['ping_pongs', 'ping-pongs', 0],
  ['migration_time_mean_s', 'migration time mean (s)', 1],
  ['host_cpu_stddev', 'host CPU stddev', 3],
  ['dropped_requests', 'dropped requests', 0],
  ['local_actions', 'local actions', 0],
] as const;

/** uPlot's files, from the installed package (read when a report is written). */
function uplotAssets(): { js: string; css: string } {
  const dir = path.dirname(require.resolve('uplot/package.json'));
  return {
    js: readFileSync(path.join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(path.join(dir, 'dist', 'uPlot.min.css'), 'utf8'),
  };
}

/** The browser half (report-page.js), beside this file in the sources; dist/ has none of its own. */
function pageScript(): string {
  for (const dir of [__dirname, path.join(__dirname, '..', '..', '..', 'autoscaler', 'simulate')]) {
    try {
      return readFileSync(path.join(dir, 'report-page.js'), 'utf8');
    } catch {
      // try the next candidate
    }
  }
  throw new Error('report-page.js not found beside autoscaler/simulate/report.ts');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that cannot close the script element it sits in. */
const scriptJson = (x: unknown) => JSON.stringify(x).replace(/</g, '\\u003c');

/** An inline script's text may not contain a closing script tag. */
const scriptText = (s: string) => s.replace(/<\/script/gi, '<\\/script');

function summaryTable(data: ReportData): string {
  const head = TABLE_FIELDS.map(([, label]) => `<th>${escapeHtml(label)}</th>`).join('');
  const rows = data.runs.map(({ summary: s }) => {
    const cells = TABLE_FIELDS.map(([field, , digits]) => {
      const v = s[field];
      return `<td data-field="${field}" data-value="${v}">${v.toFixed(digits)}</td>`;
    }).join('');
    return `<tr data-mode="${escapeHtml(s.mode)}"><th>${escapeHtml(s.mode)}</th>${cells}</tr>`;
  });
  return `<table id="summary"><thead><tr><th>mode</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function reportData(results: readonly SimResult[]): ReportData {
  if (results.length === 0) throw new Error('a report needs at least one run');
  const { scenario, seed } = results[0];
  if (results.some((r) => r.scenario !== scenario || r.seed !== seed))
    throw new Error('a report compares runs of one scenario and seed');
  return {
    scenario,
    seed,
    runs: results.map((r) => ({
      summary: resultSummary(r),
      series: {
        host_cpu_per_minute: r.host_cpu_per_minute,
        web_per_minute: r.web_per_minute,
        migration_timeline: r.migration_timeline,
      },
    })),
  };
}

export function renderReport(results: readonly SimResult[]): string {
  const data = reportData(results);
  const { js, css } = uplotAssets();
  const modes = data.runs.map((r) => r.summary.mode).join(', ');
  const title = `vmpilot simulate: ${data.scenario} (${modes})`;
  const minutes = Math.round(data.runs[0].summary.duration_s / 60);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1f2328; background: #fff; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 4px; }
  p.note { color: #59636e; margin: 0 0 8px; max-width: 70em; }
  table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 3px 8px; border-bottom: 1px solid #d1d9e0; }
  td { text-align: right; font-variant-numeric: tabular-nums; } thead th { font-weight: 600; font-size: 12px; }
  .charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
  .chart { margin: 4px 0; } .empty { color: #59636e; font-style: italic; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">Seed ${data.seed}, ${minutes} simulated minutes per mode. Every number comes from the
runs' results: the table and the embedded JSON (<code>#${REPORT_DATA_ID}</code>) are what
<code>vmpilot simulate --json</code> prints; the charts draw the per-minute series of the same runs.
Figures follow seed 000 §V (Fig. 4 total throughput, Fig. 5 CPU usage of a node, Fig. 6 response rate of a VM).</p>
${summaryTable(data)}
<div id="charts"></div>
<script type="application/json" id="${REPORT_DATA_ID}">${scriptJson(data)}</script>
<script>${scriptText(js)}</script>
<script>${scriptText(pageScript())}</script>
</body>
</html>
`;
}
