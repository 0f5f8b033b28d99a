#!/usr/bin/env node
// Renders vmpilot's rule files for your own job selectors and runbook location (the
// configurable part of the mixin, without jsonnet):
//
//   node alerts/render.mjs [--exporter 'job="kvm-exporter"'] [--autoscaler 'job="vmpilot"']
//                          [--runbook-base https://wiki.example/vmpilot/runbook.md] FILE… > rules.yml
//
// The shipped files select job="vmpilot-exporter" and job="vmpilot-autoscaler" and point
// at docs/runbook.md; every occurrence in an expression or runbook_url is replaced. Several
// files are merged into one (their groups concatenated). Exit 2 on a usage error.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parse, stringify } from 'yaml';

const DEFAULTS = {
  exporter: 'job="vmpilot-exporter"',
  autoscaler: 'job="vmpilot-autoscaler"',
  'runbook-base': 'docs/runbook.md',
};

function usage(msg) {
  process.stderr.write(`render.mjs: ${msg}\n`);
  process.exit(2);
}

const opts = { ...DEFAULTS };
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const m = /^--(exporter|autoscaler|runbook-base)(?:=(.*))?$/.exec(argv[i]);
  if (m) {
    const v = m[2] ?? argv[++i];
    if (v === undefined || v === '') usage(`--${m[1]} needs a value`);
    if (m[1] !== 'runbook-base' && !/^[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)".*"$/.test(v))
      usage(`--${m[1]} "${v}": expected one label matcher such as job="kvm"`);
    opts[m[1]] = v;
  } else if (argv[i].startsWith('-')) usage(`unknown flag ${argv[i]}`);
  else files.push(argv[i]);
}
if (files.length === 0)
  usage('name at least one rule file (alerts/vmpilot-rules.yml, alerts/vmpilot-operations.yml)');

const swap = (s) =>
  s
    .split(DEFAULTS.exporter)
    .join(opts.exporter)
    .split(DEFAULTS.autoscaler)
    .join(opts.autoscaler)
    .split(`${DEFAULTS['runbook-base']}#`)
    .join(`${opts['runbook-base']}#`);

const groups = [];
for (const f of files) {
  const doc = parse(readFileSync(f, 'utf8'));
  for (const g of doc.groups ?? []) {
    for (const r of g.rules ?? []) {
      r.expr = swap(String(r.expr));
      if (r.annotations?.runbook_url) r.annotations.runbook_url = swap(r.annotations.runbook_url);
    }
    groups.push(g);
  }
}
process.stdout.write(stringify({ groups }, { lineWidth: 0 }));
