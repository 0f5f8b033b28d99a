// A live migration of a busy lab guest from lab-a to lab-b through vmpilot's own
// HypervisorPort (connectHypervisors over the two lab hosts, then port.migrate: peer to
// peer, the source libvirtd connecting to the destination's URI, QEMU's stream over the
// veth between the namespaces). The guest's own progress counter keeps increasing across
// the move and never goes back (no reboot). Needs root, libvirt, QEMU: fails without.
import os from 'node:os';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { readProgress } from '../../lab/guests';
import { labDown, labUp } from '../../lab/lab';
import { missingPrerequisite } from '../../lab/prereqs';
import type { LabState } from '../../lab/state';
import { parseWorkload } from '../../lab/workload';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(360_000);

const STATE_DIR = path.join(os.tmpdir(), `vmpilot-lab-migrate-${process.pid}`);

describe('live migration of a busy lab guest through the HypervisorPort', () => {
  let state: LabState;
  let port: HypervisorPort | undefined;

  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`${missing} — run scripts/setup.sh as root`);
    await labDown({ stateDir: STATE_DIR });
    state = await labUp({
      guests: 1,
      placement: 'lab-a',
      workloads: [parseWorkload('cpu=1,mem=64,dirty=4')],
      stateDir: STATE_DIR,
    });
    port = await connectHypervisors(
      state.hosts.map((h) => `${h.name}=${h.uri}`),
      { defaultTimeoutMs: 30_000 },
    );
  });
  afterAll(async () => {
    await port?.close();
    await labDown({ stateDir: STATE_DIR });
  });

  it('moves lab-vm-1 to lab-b while its counter keeps increasing', async () => {
    if (!port) throw new Error('no port');
    const guest = state.guests[0];
    const [, b] = state.hosts;
    // migrate only once the workload runs (a guest moved mid-boot is not what this checks)
    await pollUntil(
      () => {
        const p = readProgress(guest.serialLog);
        return p.length >= 3 && p[p.length - 1].cpuIterations > p[0].cpuIterations;
      },
      { what: `${guest.name}'s progress counter to move`, timeoutMs: 180_000, intervalMs: 1000 },
    );
    const before = readProgress(guest.serialLog);
    const result = await port.migrate(
      { host: 'lab-a', name: guest.name },
      { host: 'lab-b', uri: b.uri },
      { timeoutMs: 120_000 },
    );
    expect(result).toMatchObject({ vm: guest.name, from: 'lab-a', to: 'lab-b' });
    expect(result.durationSeconds).toBeGreaterThan(0);
    expect(result.downtimeMs).toBeGreaterThanOrEqual(0);
    expect((await port.getVm({ host: 'lab-b', name: guest.name })).state).toBe('running');
    expect((await port.listVms('lab-a')).map((v) => v.name)).not.toContain(guest.name);

    // the guest keeps reporting from lab-b, further than before the move
    const last = before[before.length - 1];
    const after = await pollUntil(
      () => {
        const p = readProgress(guest.serialLog);
        return p.length >= before.length + 3 && p[p.length - 1].cpuIterations > last.cpuIterations ? p : null;
      },
      { what: `${guest.name}'s counter to increase on lab-b`, timeoutMs: 60_000, intervalMs: 1000 },
    );
    // never back: no reboot (uptime) and no lost work (counter) across the whole log
    for (let i = 1; i < after.length; i++) {
      expect(after[i].uptimeSeconds).toBeGreaterThan(after[i - 1].uptimeSeconds);
      expect(after[i].cpuIterations).toBeGreaterThanOrEqual(after[i - 1].cpuIterations);
    }
    process.stdout.write(
      `migration: ${result.durationSeconds.toFixed(2)} s, downtime ${result.downtimeMs} ms, ` +
        `${Math.round((result.transferredBytes ?? 0) / 2 ** 20)} MiB\n`,
    );
  });
});
