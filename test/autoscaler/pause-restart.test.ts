// An operator's pause survives a restart of the autoscaler (state file beside the journal),
// through the real API: pause, stop, start again → still paused; resume, restart → acting.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { validateConfig } from '../../autoscaler/config/load';
import { startAutoscaler } from '../../autoscaler/service/run';
import { MemorySource } from '../../autoscaler/sources/memory';

const RACK_A = path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml');

describe('pause across a restart', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-pause-restart-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = () => {
    writeFileSync(path.join(dir, 'token'), 't0ken\n');
    const cfg = validateConfig(
      {
        hypervisors: [`rack=test://${RACK_A}`],
        listen: '127.0.0.1:0',
        journal: path.join(dir, 'journal.jsonl'),
        authTokenFile: path.join(dir, 'token'),
      },
      'test',
      dir,
    );
    return startAutoscaler(cfg, {
      source: new MemorySource((now) => ({ at: now, intervalSeconds: 15, hosts: [], vms: [] })),
      noLoops: true,
      log: pino({ level: 'silent' }),
    });
  };
  const post = (url: string, what: 'pause' | 'resume') =>
    fetch(`${url}/api/v1/${what}`, { method: 'POST', headers: { authorization: 'Bearer t0ken' } });
  const pausedPerPlan = async (url: string) =>
    (
      (await (await fetch(`${url}/api/v1/plan`, { headers: { authorization: 'Bearer t0ken' } })).json()) as {
        paused: boolean;
      }
    ).paused;

  it('stays paused after a restart until resumed', async () => {
    let a = await start();
    expect(await pausedPerPlan(a.apiUrl)).toBe(false);
    expect((await post(a.apiUrl, 'pause')).status).toBe(200);
    expect(existsSync(path.join(dir, 'journal.jsonl.state.json'))).toBe(true);
    await a.stop(1000);

    a = await start();
    expect(a.service.paused).toBe(true);
    expect(await pausedPerPlan(a.apiUrl)).toBe(true);
    expect((await post(a.apiUrl, 'resume')).status).toBe(200);
    await a.stop(1000);

    a = await start();
    expect(await pausedPerPlan(a.apiUrl)).toBe(false);
    await a.stop(1000);
  });
});
