// A Prometheus (or a proxy in front of it) that answers with the wrong shape (issue 17:
// hold reasons such as "data.result.map is not a function"): the source says plainly which
// query got a malformed answer, and the service's hold reason never carries JS error text.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { FakePort } from '../../test/autoscaler/fake-port';
import { validateConfig } from '../config/load';
import { Journal } from '../journal/journal';
import { ServiceMetrics } from '../service/metrics';
import { sourceFromConfig } from '../service/run';
import { AutoscalerService } from '../service/service';

describe('malformed Prometheus answers', () => {
  let server: Server;
  let url: string;
  let answer: unknown;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-malformed-'));
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'a result that is an object, not a list',
      { status: 'success', data: { resultType: 'vector', result: {} } },
    ],
    [
      'a series without a sample',
      { status: 'success', data: { resultType: 'vector', result: [{ metric: {} }] } },
    ],
    [
      'a scalar where a vector is expected',
      { status: 'success', data: { resultType: 'scalar', result: [1, '2'] } },
    ],
  ])('%s: every host held as source_down with a plain reason', async (_what, body) => {
    answer = body;
    const config = validateConfig(
      {
        hypervisors: ['sim://unused'],
        journal: path.join(dir, 'j.jsonl'),
        prometheus: { url, timeoutSeconds: 2 },
      },
      'test',
      dir,
    );
    const { journal } = Journal.open(config.journal);
    const service = new AutoscalerService({
      config,
      port: new FakePort().addHost('a').addHost('b'),
      source: sourceFromConfig(config),
      journal,
      metrics: new ServiceMetrics({ processMetrics: false }),
      log: pino({ level: 'silent' }),
    });
    try {
      const r = await service.runRound('local');
      expect(r.outcome).toBe('held');
      expect(r.plan.held.map((h) => h.code)).toEqual(['source_down', 'source_down']);
      const reason = r.plan.held[0].reason;
      expect(reason).toMatch(
        /^metrics source: Prometheus at http:\/\/127\.0\.0\.1:\d+: query \w+ \(.*\) failed: malformed answer: /,
      );
      expect(reason).not.toMatch(/is not a function|Cannot read prop|undefined/);
    } finally {
      journal.close();
    }
  });
});
