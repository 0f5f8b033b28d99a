// GET /api/v1/plan under load (issue 17): 50 concurrent requests to the real autoscaler
// (startAutoscaler: API, service, real planner; an in-memory source that counts its
// observations) run at most one round per T2; the answer says how old the plan is, and a
// configured token is needed to read it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../config/load';
import { startAutoscaler, type RunningAutoscaler } from '../service/run';
import { MemorySource } from '../sources/memory';
import { pollUntil } from '../../test/helpers/poll';

const RACK_A = path.join(__dirname, '..', '..', 'test', 'fixtures', 'hosts', 'rack-a.xml');
const TOKEN = 'plan-token';

describe('GET /api/v1/plan: bounded work per request', () => {
  let dir: string;
  let a: RunningAutoscaler;
  let observations = 0;
  const t2Seconds = 2;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-plan-cache-'));
    writeFileSync(path.join(dir, 'token'), TOKEN);
    const cfg = validateConfig(
      {
        hypervisors: [`rack=test://${RACK_A}`],
        listen: '127.0.0.1:0',
        journal: path.join(dir, 'journal.jsonl'),
        authTokenFile: path.join(dir, 'token'),
        planner: { t2Seconds, t1Seconds: 2 * t2Seconds },
      },
      'test',
      dir,
    );
    a = await startAutoscaler(cfg, {
      noLoops: true,
      log: pino({ level: 'silent' }),
      source: new MemorySource((now) => {
        observations++;
        return { at: now, intervalSeconds: 15, hosts: [], vms: [] };
      }),
    });
  });
  afterAll(async () => {
    await a?.stop(1000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (auth = true) =>
    fetch(`${a.apiUrl}/api/v1/plan`, auth ? { headers: { authorization: `Bearer ${TOKEN}` } } : {});
  const burst = async () => {
    const bodies = await Promise.all(Array.from({ length: 50 }, async () => (await get()).json()));
    return bodies as { held: unknown[]; ageSeconds: number }[];
  };

  it('needs the configured token', async () => {
    expect((await get(false)).status).toBe(401);
  });

  it('answers 50 concurrent requests with one round, serves it with its age within T2, and one more after', async () => {
    const before = observations;
    const first = await burst();
    expect(observations - before).toBe(1);
    expect(first.every((b) => Array.isArray(b.held) && b.ageSeconds >= 0)).toBe(true);
    const computedAt = Date.now();
    const again = await burst();
    if (Date.now() - computedAt < t2Seconds * 1000) expect(observations - before).toBe(1);
    expect(again.every((b) => b.ageSeconds >= 0)).toBe(true);
    await pollUntil(() => Date.now() - computedAt > t2Seconds * 1000, { what: 'the next T2' });
    await burst();
    expect(observations - before).toBeLessThanOrEqual(3);
    expect(observations - before).toBeGreaterThanOrEqual(2);
  });
});
