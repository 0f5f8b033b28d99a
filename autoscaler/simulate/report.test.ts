// The report's HTML: --json's objects embedded as they are, nothing that can close a script
// element early, and one scenario per report.
import { loadScenario } from '../../core/sim/loader';
import { resultSummary, type SimResult } from '../../core/sim/results';
import { REPORT_DATA_ID, renderReport, reportData } from './report';
import { runSimulation } from './runner';

jest.setTimeout(60_000);

let gl: SimResult;
beforeAll(async () => {
  gl = (await runSimulation(loadScenario('sim://seed-experiment-light'), 'gl')).result;
});

const embedded = (html: string) => {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">(.*?)</script>`, 's').exec(
    html,
  );
  if (!m) throw new Error('no embedded data');
  return JSON.parse(m[1]) as ReturnType<typeof reportData>;
};

describe('renderReport', () => {
  it('embeds --json’s object and the per-minute series of the same result', () => {
    const data = embedded(renderReport([gl]));
    expect(data.runs[0].summary).toEqual(JSON.parse(JSON.stringify(resultSummary(gl))));
    expect(data.runs[0].series.web_per_minute.throughput).toHaveLength(gl.duration_s / 60);
    expect(data.runs[0].series.migration_timeline).toHaveLength(
      gl.migrations + gl.migrations_failed + gl.migrations_in_flight,
    );
  });

  it('escapes what could end the script element early', () => {
    const evil = { ...gl, vms: gl.vms.map((v, i) => (i === 0 ? { ...v, vm: '</script><b>x' } : v)) };
    const html = renderReport([evil]);
    expect(html).not.toContain('</script><b>x');
    expect(embedded(html).runs[0].summary.vms[0].vm).toBe('</script><b>x');
  });

  it('refuses runs of different scenarios in one report', () => {
    expect(() => reportData([gl, { ...gl, scenario: 'other' }])).toThrow(/one scenario and seed/);
    expect(() => reportData([])).toThrow(/at least one run/);
  });
});
