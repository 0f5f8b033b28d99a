// reconnecting.ts and the tolerant MultiHypervisor of connect.ts, on a real libvirt
// test-driver host beside a libvirt URI whose socket does not exist (libvirt's client
// fails to connect to it: no daemon needed). The daemon appearing later is covered in
// test/e2e/unreachable-hypervisor.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { connectHypervisors, MultiHypervisor } from './connect';
import { isHypervisorError } from './errors';
import { ReconnectingPort } from './reconnecting';
import { pooledConnectionCount } from '../libvirt/connection';
import { pollUntil } from '../../test/helpers/poll';

const HOSTS = path.resolve(__dirname, '../../test/fixtures/hosts');
const RACK_A = `test://${HOSTS}/rack-a.xml`;

/** A pino logger whose lines land in `lines` (parsed). */
function capturingLogger(): { log: pino.Logger; lines: { level: number; msg: string; uri?: string }[] } {
  const lines: { level: number; msg: string; uri?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('connectHypervisors with reconnect: one URI down', () => {
  let dir: string;
  let dead: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-dead-'));
    dead = `dead=qemu+unix:///system?socket=${path.join(dir, 'no-daemon-here', 'libvirt-sock')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the reachable host, reports the other unreachable, routes calls to it as unreachable', async () => {
    const { log, lines } = capturingLogger();
    const port = await connectHypervisors([RACK_A, dead], {
      reconnect: { initialBackoffMs: 50, maxBackoffMs: 200 },
      logger: log,
    });
    try {
      expect(port).toBeInstanceOf(MultiHypervisor);
      expect((await port.listHosts()).map((h) => h.name)).toEqual(['rack-a']);
      const reach = port.reachability?.() ?? [];
      expect(reach.map((h) => [h.host, h.up])).toEqual([
        ['rack-a', true],
        ['dead', false],
      ]);
      expect(reach[1].error).toMatch(/socket|connect/i);
      // The reachable host is fully usable.
      expect((await port.listVms('rack-a')).length).toBeGreaterThan(0);
      // Calls for the dead host reject `unreachable` (not not_found: the host is known).
      for (const call of [
        port.listVms('dead'),
        port.getStats('dead'),
        port.getVm({ host: 'dead', name: 'x' }),
        port.getHostInfo('dead', { timeoutMs: 2000 }),
      ]) {
        const err = await call.catch((e: unknown) => e);
        expect(isHypervisorError(err, 'unreachable')).toBe(true);
      }
      // Several retries have run in the background by now (50 ms back-off, ≤ 200 ms)…
      await pollUntil(() => lines.filter((l) => l.level === 20 && l.uri === dead).length >= 2, {
        what: 'background retries (debug lines)',
        timeoutMs: 10_000,
      });
      // …but one warning for the whole outage, naming the URI.
      const warnings = lines.filter((l) => l.level === 40 && l.uri === dead);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toMatch(/unreachable/);
    } finally {
      await port.close();
    }
    expect(pooledConnectionCount()).toBe(0);
  });

  it('keeps serving with no URI reachable: empty list, every host reported down', async () => {
    const port = await connectHypervisors([dead], { reconnect: { initialBackoffMs: 1000 } });
    try {
      expect(await port.listHosts()).toEqual([]);
      expect(port.reachability?.()).toEqual([
        expect.objectContaining({ host: 'dead', up: false, uri: expect.stringContaining('no-daemon-here') }),
      ]);
    } finally {
      await port.close();
    }
  });

  it('still fails at once for a URI that can never work (missing test-driver file), opening nothing', async () => {
    await expect(
      connectHypervisors([RACK_A, 'test:///nonexistent/host.xml'], { reconnect: {} }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(connectHypervisors([RACK_A, 'foo://x'], { reconnect: {} })).rejects.toMatchObject({
      code: 'invalid',
    });
    expect(pooledConnectionCount()).toBe(0);
  });
});

describe('ReconnectingPort', () => {
  it('drops a connection that fails unreachable and reconnects in the background', async () => {
    const changes: boolean[] = [];
    const port = new ReconnectingPort(RACK_A, { initialBackoffMs: 20 });
    port.onStateChange((s) => changes.push(s.up));
    await port.open();
    try {
      const first = port.connection();
      expect(first).toBeDefined();
      expect(port.state().up).toBe(true);
      // What the libvirt adapter throws when libvirtd went away mid-run.
      await first?.close();
      const err = await port.listHosts().catch((e: unknown) => e);
      expect(isHypervisorError(err, 'unreachable')).toBe(true);
      await pollUntil(() => port.state().up && port.connection() !== first, {
        what: 'a new connection',
        timeoutMs: 10_000,
      });
      expect((await port.listHosts()).map((h) => h.name)).toEqual(['rack-a']);
      expect(changes).toEqual([true, false, true]);
    } finally {
      await port.close();
    }
    const err = await port.listHosts().catch((e: unknown) => e);
    expect(isHypervisorError(err, 'unreachable')).toBe(true);
  });

  it('gives every call a deadline: one that hangs rejects timeout', async () => {
    const port = new ReconnectingPort(RACK_A);
    await port.open();
    try {
      const conn = port.connection();
      if (!conn) throw new Error('not connected');
      // A hypervisor that accepted the call and never answers.
      conn.getVm = () => new Promise(() => undefined);
      const err = await port.getVm({ host: 'rack-a', name: 'x' }, { timeoutMs: 50 }).catch((e: unknown) => e);
      expect(isHypervisorError(err, 'timeout')).toBe(true);
      expect(port.state().up).toBe(true); // a slow answer is not a lost connection
    } finally {
      await port.close();
    }
  });
});
