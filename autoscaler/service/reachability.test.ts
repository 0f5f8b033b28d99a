// reachability.ts with the real tolerant port (a libvirt test-driver host beside a libvirt
// URI whose socket does not exist) and the real failed-host detection (failover/): an
// unreachable hypervisor is held as `hypervisor_unreachable`, and that hold alone — the
// exporter still reporting the host up — never makes the host "failed"; with the exporter
// down as well, it does (k of n), as failover/detector.ts defines.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { failoverConfigSchema } from '../config/failover';
import { MemoryDefinitionStore } from '../failover/definitions';
import { Failover } from '../failover/failover';
import { unreachableHeld } from './reachability';

const RACK_A = `test://${path.resolve(__dirname, '../../test/fixtures/hosts/rack-a.xml')}`;

describe('unreachable hypervisors in the service', () => {
  let dir: string;
  let port: HypervisorPort;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-reach-'));
    const dead = `dead=qemu+unix:///system?socket=${path.join(dir, 'none', 'sock')}`;
    port = await connectHypervisors([RACK_A, dead], { reconnect: { initialBackoffMs: 60_000 } });
  });
  afterAll(async () => {
    await port?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds exactly the unreachable host, with when and why', () => {
    const held = unreachableHeld(port);
    expect(held).toEqual([
      {
        host: 'dead',
        code: 'hypervisor_unreachable',
        reason: expect.stringMatching(
          /^hypervisor unreachable since \d{4}-.*Z: cannot connect to qemu\+unix/,
        ),
      },
    ]);
  });

  const failover = () =>
    new Failover({
      config: failoverConfigSchema.parse({ k: 2, n: 3, heartbeatTimeoutSeconds: 1 }),
      port,
      definitions: new MemoryDefinitionStore(),
      log: pino({ level: 'silent' }),
      clock: Date.now,
      callTimeoutMs: 1000,
      priorityOf: () => undefined,
      configOrderOf: () => undefined,
    });

  it('is not a failed host while the exporter reports it up (libvirt alone is a partition)', async () => {
    const f = failover();
    for (let i = 0; i < 3; i++) {
      const answered = await f.check(['rack-a', 'dead'], unreachableHeld(port));
      expect([...answered]).toEqual(['rack-a']);
    }
    expect([...f.failedHosts()]).toEqual([]);
  });

  it('is a failed host when the exporter says it is down too, in k of n checks', async () => {
    const f = failover();
    const exporterDown = {
      host: 'dead',
      code: 'host_down' as const,
      reason: 'host down: vmpilot_host_up = 0',
    };
    await f.check(['rack-a', 'dead'], [...unreachableHeld(port), exporterDown]);
    expect([...f.failedHosts()]).toEqual([]);
    await f.check(['rack-a', 'dead'], [...unreachableHeld(port), exporterDown]);
    expect([...f.failedHosts()]).toEqual(['dead']);
  });
});
