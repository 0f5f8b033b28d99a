import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { closeServer, listen } from './server';
import { mountUi, rangeStepSeconds, type UiDeps } from './ui';
import { Registry } from 'prom-client';
import { LevelMetrics } from '../service/level-metrics';

const QUERIES = { points: 'vmpilot_vm_points', memory: 'sum by (host, domain) (m)', migrationRemaining: 'r' };

async function serve(deps: UiDeps): Promise<{ server: Server; url: string }> {
  const app = express();
  mountUi(app, deps);
  return listen(app, '127.0.0.1', 0);
}

describe('live view routes', () => {
  const calls: [string, number, number, number][] = [];
  let fail: Error | undefined;
  let server: Server;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-ui-test-'));
    const dirs = { page: path.join(dir, 'page'), plugin: path.join(dir, 'plugin') };
    mkdirSync(dirs.page);
    mkdirSync(dirs.plugin);
    writeFileSync(path.join(dirs.page, 'index.html'), '<title>live</title>');
    writeFileSync(path.join(dirs.plugin, 'module.js'), 'define([], () => ({}))');
    ({ server, url } = await serve({
      queries: QUERIES,
      rangeQuery: async (q, s, e, step) => {
        calls.push([q, s, e, step]);
        if (fail) throw fail;
        return [{ labels: { host: 'h', domain: 'v' }, times: [s * 1000], values: [1] }];
      },
      dirs,
    }));
  });
  afterAll(async () => {
    await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the named query over the range with a bounded step and answers its series', async () => {
    const res = await fetch(`${url}/api/v1/ui/range?name=memory&from=1000&to=4600`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'memory',
      series: [{ labels: { host: 'h', domain: 'v' }, times: [1_000_000], values: [1] }],
    });
    expect(calls.at(-1)).toEqual([QUERIES.memory, 1000, 4600, rangeStepSeconds(1000, 4600)]);
  });

  it.each([
    ['serviceLevel', 'vmpilot_vm_service_level'],
    ['priority', 'vmpilot_vm_priority'],
  ])('runs %s as the metric the autoscaler exports (%s)', async (name, metric) => {
    // The metric is what the service registers (issue 13's gauges), not a second spelling.
    const registry = new Registry();
    new LevelMetrics(registry);
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toContain(metric);
    const res = await fetch(`${url}/api/v1/ui/range?name=${name}&from=1000&to=1060`);
    expect(res.status).toBe(200);
    expect(calls.at(-1)?.[0]).toBe(metric);
  });

  it.each([
    ['name=up&from=1&to=2', /name/],
    ['name=points&from=5&to=2', /"from" must be before "to"/],
    ['name=points&from=0&to=9999999', /range longer than/],
    ['name=points&from=x&to=2', /from/],
    ['name=points&from=1&to=2&query=up', /query/],
  ])('refuses %s with 400 and the reason (no arbitrary PromQL)', async (qs, why) => {
    const n = calls.length;
    const res = await fetch(`${url}/api/v1/ui/range?${qs}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(why);
    expect(calls.length).toBe(n);
  });

  it('answers 502 with the reason when Prometheus fails', async () => {
    fail = new Error('Prometheus at http://p: query ui failed: connect ECONNREFUSED');
    const res = await fetch(`${url}/api/v1/ui/range?name=points&from=1&to=2`);
    fail = undefined;
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/ECONNREFUSED/);
  });

  it('serves the page under /ui/ (redirecting /ui) and the plugin build under /ui/plugin/', async () => {
    const redirect = await fetch(`${url}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/ui/');
    expect(await (await fetch(`${url}/ui/`)).text()).toBe('<title>live</title>');
    expect(await (await fetch(`${url}/ui/plugin/module.js`)).text()).toMatch(/^define/);
  });

  it('says how to build the page when it is not built', async () => {
    const bare = await serve({ queries: QUERIES, rangeQuery: async () => [] });
    try {
      const res = await fetch(`${bare.url}/ui/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/not built: run/);
    } finally {
      await closeServer(bare.server);
    }
  });
});

describe('rangeStepSeconds', () => {
  it('keeps a range under 500 samples and never below one second', () => {
    expect(rangeStepSeconds(0, 60)).toBe(1);
    expect(rangeStepSeconds(0, 900)).toBe(2);
    expect(rangeStepSeconds(0, 86_400)).toBe(173);
  });
});
