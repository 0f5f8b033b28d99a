// GET /api/v1/plan under load: 50 concurrent requests to the real API over the real
// service (real planner, in-memory source counting its observations) run at most one
// round per T2; the answer says how old the plan is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { FakePort } from '../../test/autoscaler/fake-port';
import { validateConfig } from '../config/load';
import { Journal } from '../journal/journal';
import { ServiceMetrics } from '../service/metrics';
import { AutoscalerService } from '../service/service';
import { MemorySource } from '../sources/memory';
import { PlanCache } from './plan-cache';
import { closeServer, createApi, listen } from './server';

describe('GET /api/v1/plan: bounded work per request', () => {
  it('answers 50 concurrent requests with at most one round per T2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-plan-cache-'));
    let observations = 0;
    const t2Seconds = 60;
    const config = validateConfig(
      {
        hypervisors: ['sim://unused'],
        journal: path.join(dir, 'j.jsonl'),
        planner: { t2Seconds, t1Seconds: 120 },
      },
      'test',
      dir,
    );
    const { journal } = Journal.open(config.journal);
    const service = new AutoscalerService({
      config,
      port: new FakePort().addHost('a'),
      source: new MemorySource((now) => {
        observations++;
        return {
          at: now,
          intervalSeconds: 15,
          hosts: [
            {
              name: 'a',
              cpus: 4,
              capacity: { cpu: 4, mem: 8e9, disk: 1e8, net: 1e8 },
              usageHistory: [{ cpu: 1, mem: 1e9, disk: 0, net: 0 }],
              up: true,
              ageSeconds: 1,
            },
          ],
          vms: [],
        };
      }),
      journal,
      metrics: new ServiceMetrics({ processMetrics: false }),
      log: pino({ level: 'silent' }),
    });
    let now = Date.now();
    const cache = new PlanCache(
      async () => (await service.planRound('both')).plan,
      t2Seconds * 1000,
      () => now,
    );
    const app = createApi({
      events: () => [],
      plan: () => cache.get(),
      setPaused: () => undefined,
      paused: () => false,
      dryRun: () => false,
      ready: () => ({ ready: true, reason: '' }),
      registry: new Registry(),
      receiveAlerts: () => {
        throw new Error('unused');
      },
      token: undefined,
      log: pino({ level: 'silent' }),
    });
    const { server, url } = await listen(app, '127.0.0.1', 0);
    try {
      const burst = () =>
        Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/api/v1/plan`).then((r) => r.json())));
      const first = (await burst()) as { held: unknown[]; ageSeconds: number }[];
      expect(first.every((b) => Array.isArray(b.held) && b.ageSeconds >= 0)).toBe(true);
      expect(observations).toBe(1);
      expect(cache.computations).toBe(1);
      now += (t2Seconds / 2) * 1000; // within the same T2: served from the last plan
      await burst();
      expect(observations).toBe(1);
      now += t2Seconds * 1000; // a new T2: one fresh round for the whole burst
      await burst();
      expect(observations).toBe(2);
    } finally {
      await closeServer(server);
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
