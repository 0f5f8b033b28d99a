// The browser half of `vmpilot simulate --report` (inlined into the HTML by report.ts, after
// uPlot): reads the embedded runs and draws every chart with uPlot. Plain browser JS (no
// build step); it reads only the embedded JSON, so the charts show the results' own numbers.
// window.vmpilotReport lists what was drawn ({id, series, points} per chart) for tests.
(function () {
  'use strict';
  /* global uPlot */
  const data = JSON.parse(document.getElementById('vmpilot-report-data').textContent);
  const root = document.getElementById('charts');
  const runs = data.runs;
  const drawn = [];
  const MODE_COLOURS = {
    nontuning: '#8c8c8c',
    local: '#1f77b4',
    global: '#ff7f0e',
    gl: '#2ca02c',
    sandpiper: '#9467bd',
    drs: '#8c564b',
    proxlb: '#e377c2',
    clairvoyant: '#17becf',
  };
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
  const colour = (mode, i) => MODE_COLOURS[mode] || PALETTE[i % PALETTE.length];
  const width = () => Math.min(1100, Math.max(480, document.documentElement.clientWidth - 60));
  const fmt = (digits) => (u, v) => (v == null ? '–' : v.toFixed(digits));

  function section(title, note) {
    const h = document.createElement('h2');
    h.textContent = title;
    root.appendChild(h);
    if (note) {
      const p = document.createElement('p');
      p.className = 'note';
      p.textContent = note;
      root.appendChild(p);
    }
    const box = document.createElement('div');
    box.className = 'charts';
    root.appendChild(box);
    return box;
  }

  function chart(box, id, opts, cols) {
    const el = document.createElement('div');
    el.className = 'chart';
    el.dataset.chart = id;
    box.appendChild(el);
    const u = new uPlot(opts, cols, el);
    const points = cols.slice(1).reduce((n, ys) => n + ys.filter((y) => y != null).length, 0);
    drawn.push({ id, series: cols.length - 1, points });
    return u;
  }

  function empty(box, id, text) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.dataset.empty = id;
    p.textContent = text;
    box.appendChild(p);
  }

  const minutesAxis = { label: 'simulated minute' };

  // One chart, one line per mode, over the run's minutes.
  function perMinute(box, id, title, yLabel, digits, pick, extra) {
    const n = Math.max(...runs.map((r) => pick(r).length));
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const series = [{ label: 'minute' }];
    const cols = [xs];
    runs.forEach((r, i) => {
      series.push({ label: r.summary.mode, stroke: colour(r.summary.mode, i), width: 2, value: fmt(digits) });
      cols.push(xs.map((_, k) => (pick(r)[k] === undefined ? null : pick(r)[k])));
    });
    if (extra) {
      series.push(extra.series);
      cols.push(xs.map((_, k) => (extra.ys[k] === undefined ? null : extra.ys[k])));
    }
    return chart(
      box,
      id,
      {
        title,
        width: width(),
        height: 280,
        scales: { x: { time: false } },
        axes: [minutesAxis, { label: yLabel, size: 60 }],
        series,
      },
      cols,
    );
  }

  // Grouped bars: one group per VM, one bar per mode (x positions VM × (modes + 1) + mode).
  function perVmBars(box, id, title, yLabel, digits, pick) {
    const vms = runs[0].summary.vms.map((v) => v.vm);
    const m = runs.length;
    const xs = [];
    vms.forEach((_, v) => runs.forEach((_, j) => xs.push(v * (m + 1) + j)));
    const series = [{ label: 'VM', value: (u, x) => (x == null ? '–' : vms[Math.floor(x / (m + 1))]) }];
    const cols = [xs];
    runs.forEach((r, j) => {
      const byVm = new Map(r.summary.vms.map((v) => [v.vm, pick(v)]));
      series.push({
        label: r.summary.mode,
        stroke: colour(r.summary.mode, j),
        fill: colour(r.summary.mode, j),
        width: 1,
        paths: uPlot.paths.bars({ size: [0.9, Infinity] }),
        points: { show: false },
        value: fmt(digits),
      });
      cols.push(xs.map((x) => (x % (m + 1) === j ? (byVm.get(vms[Math.floor(x / (m + 1))]) ?? null) : null)));
    });
    const centres = vms.map((_, v) => v * (m + 1) + (m - 1) / 2);
    return chart(
      box,
      id,
      {
        title,
        width: width(),
        height: 300,
        scales: {
          x: { time: false, range: [-1, vms.length * (m + 1) - 1] },
          // Bars start at zero, or their lengths mislead.
          y: { range: (u, min, max) => [0, max > 0 ? max * 1.05 : 1] },
        },
        axes: [
          {
            splits: () => centres,
            values: (u, splits) => splits.map((s) => vms[Math.round((s - (m - 1) / 2) / (m + 1))] ?? ''),
            rotate: -40,
            size: 70,
            gap: 4,
          },
          { label: yLabel, size: 60 },
        ],
        series,
      },
      cols,
    );
  }

  // One lane per VM that moved; a bar from the migration's start to its end (minutes).
  function timeline(box, run) {
    const spans = run.series.migration_timeline;
    const id = `migrations-${run.summary.mode}`;
    if (spans.length === 0) {
      empty(box, id, `${run.summary.mode}: no migration started.`);
      return;
    }
    const lanes = [...new Set(spans.map((s) => s.vm))].sort();
    // x: every start and end, and just after each end (a null there breaks the bar).
    const xsSet = new Set();
    for (const s of spans) {
      xsSet.add(s.start_s / 60);
      xsSet.add(s.end_s / 60);
      xsSet.add(s.end_s / 60 + 1e-6);
    }
    const xs = [...xsSet].sort((a, b) => a - b);
    const series = [{ label: 'minute', value: (u, x) => (x == null ? '–' : x.toFixed(2)) }];
    const cols = [xs];
    lanes.forEach((vm, lane) => {
      const own = spans.filter((s) => s.vm === vm);
      const at = (x) => own.find((s) => x >= s.start_s / 60 - 1e-9 && x <= s.end_s / 60 + 1e-9);
      series.push({
        label: vm,
        stroke: PALETTE[lane % PALETTE.length],
        width: 8,
        points: { show: true, size: 8 },
        value: (u, y, si, idx) => {
          const s = idx == null ? undefined : at(xs[idx]);
          if (!s) return '–';
          const took = (s.end_s - s.start_s).toFixed(1);
          return `${s.from} → ${s.to} ${s.result} (${took} s, downtime ${Math.round(s.downtime_ms)} ms)`;
        },
      });
      cols.push(xs.map((x) => (at(x) ? lane : null)));
    });
    const minutes = run.summary.duration_s / 60;
    chart(
      box,
      id,
      {
        title: `Migration timeline: ${run.summary.mode} (${spans.length} started)`,
        width: width(),
        height: Math.max(160, 70 + 26 * lanes.length),
        scales: { x: { time: false, range: [0, minutes] }, y: { range: [-0.7, lanes.length - 0.3] } },
        axes: [
          minutesAxis,
          {
            splits: () => lanes.map((_, k) => k),
            values: (u, splits) => splits.map((k) => lanes[k] ?? ''),
            size: 90,
          },
        ],
        legend: { show: lanes.length <= 24 },
        series,
      },
      cols,
    );
  }

  const requests = runs[0].series.web_per_minute.requests_per_s;
  perMinute(
    section(
      'Total throughput over time (Fig. 4)',
      'Responses per second of all web VMs, per simulated minute; the dashed line is the offered request rate (the same trace in every mode).',
    ),
    'throughput',
    'Throughput (responses/s)',
    'responses/s',
    1,
    (r) => r.series.web_per_minute.throughput,
    {
      series: { label: 'requests/s', stroke: '#444', dash: [6, 4], width: 1, value: fmt(1) },
      ys: requests,
    },
  );
  perMinute(
    section('Response time over time', 'Mean response time of the minute’s responses, all web VMs.'),
    'response-time',
    'Response time (s)',
    'seconds',
    3,
    (r) => r.series.web_per_minute.response_time_mean_s,
  );
  const vmBox = section(
    'Per VM (Fig. 6)',
    'SLA-violation minutes and response rate (responses / requests) of each VM over the whole run.',
  );
  perVmBars(vmBox, 'sla-per-vm', 'SLA violation minutes per VM', 'minutes', 1, (v) => v.slaViolationMinutes);
  perVmBars(vmBox, 'response-rate-per-vm', 'Response rate per VM (%)', '%', 1, (v) => v.responseRate * 100);
  const hostBox = section(
    'Host CPU over time (Fig. 5)',
    'CPU utilisation of each host per simulated minute (used cores / cores), one line per mode; a mode whose line is missing lies under another with the same values.',
  );
  for (const host of Object.keys(runs[0].series.host_cpu_per_minute)) {
    const u = perMinute(hostBox, `host-cpu-${host}`, `CPU of ${host} (%)`, '%', 1, (r) =>
      (r.series.host_cpu_per_minute[host] || []).map((x) => x * 100),
    );
    u.setSize({ width: Math.min(540, width()), height: 240 });
  }
  const migBox = section(
    'Migration timeline',
    'One lane per VM that moved; hover a bar for its route, duration and downtime.',
  );
  runs.forEach((r) => timeline(migBox, r));

  window.vmpilotReport = { charts: drawn, ready: true };
})();
