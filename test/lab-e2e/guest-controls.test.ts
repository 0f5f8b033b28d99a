// Issue 13's real-guest checks of the controls the planner's shortage handling and vCPU
// hot-plug use, through vmpilot's own HypervisorPort on a real QEMU (TCG) lab guest:
// suspend → resume and save → restore change the guest's state as read back through
// libvirt, and the guest keeps its workload counter (no reboot, no lost work); a vCPU
// hot-plug on a guest booted with maxVcpus > vCPUs is read back by libvirt and seen by
// the guest itself (its online CPUs). Part of jest's `lab` project (one lab per machine,
// run in band). Needs root, libvirt and QEMU (scripts/setup.sh): fails, never skips.
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort, VmRef } from '../../core/hypervisor/port';
import { readProgress } from '../../lab/guests';
import { labDown, labUp } from '../../lab/lab';
import { missingPrerequisite } from '../../lab/prereqs';
import type { LabGuestState, LabState } from '../../lab/state';
import { parseWorkload } from '../../lab/workload';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(300_000);

const STATE_DIR = path.join(os.tmpdir(), `vmpilot-lab-controls-${process.pid}`);

describe('suspend/resume, save/restore and vCPU hot-plug of a real lab guest through the port', () => {
  let state: LabState;
  let port: HypervisorPort | undefined;
  let guest: LabGuestState;
  let ref: VmRef;

  const progress = () => readProgress(guest.serialLog);
  const last = () => progress().at(-1);
  /** Waits until the guest reports a counter beyond `than` (it runs and works). */
  const counterBeyond = (than: number, what: string) =>
    pollUntil(
      () => {
        const p = last();
        return p && p.cpuIterations > than ? p : null;
      },
      { what, timeoutMs: 60_000, intervalMs: 500 },
    );

  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`${missing} — run scripts/setup.sh as root`);
    await labDown({ stateDir: STATE_DIR });
    state = await labUp({
      guests: 1,
      placement: 'lab-a',
      workloads: [parseWorkload('cpu=1,mem=32')],
      maxVcpus: 2,
      stateDir: STATE_DIR,
    });
    guest = state.guests[0];
    ref = { host: 'lab-a', name: guest.name };
    port = await connectHypervisors(
      state.hosts.map((h) => `${h.name}=${h.uri}`),
      { defaultTimeoutMs: 30_000 },
    );
    await pollUntil(
      () => {
        const p = progress();
        return p.length >= 3 && p[p.length - 1].cpuIterations > p[0].cpuIterations;
      },
      { what: `${guest.name}'s progress counter to move`, timeoutMs: 180_000, intervalMs: 1000 },
    );
  });
  afterAll(async () => {
    await port?.close();
    await labDown({ stateDir: STATE_DIR });
  });

  it('suspend pauses the guest (libvirt says paused, its counter stops); resume continues where it was', async () => {
    if (!port) throw new Error('no port');
    await port.suspend(ref);
    expect((await port.getVm(ref)).state).toBe('paused');
    // A paused guest writes nothing: once its last line is out, the log stays as it is
    // while libvirt still reports it paused (checked over a few of its 2-s report periods).
    const settled = await pollUntil(
      async () => {
        const n = progress().length;
        await new Promise((r) => setTimeout(r, 5000));
        return progress().length === n && (await port!.getVm(ref)).state === 'paused' ? last() : null;
      },
      { what: 'the paused guest to stop reporting', timeoutMs: 30_000, intervalMs: 100 },
    );
    await port.resume(ref);
    expect((await port.getVm(ref)).state).toBe('running');
    const after = await counterBeyond(settled!.cpuIterations, `${guest.name} to work on after resume`);
    // same boot (uptime goes on from where it was), no lost work
    expect(after.uptimeSeconds).toBeGreaterThan(settled!.uptimeSeconds);
    expect(after.cpuIterations).toBeGreaterThan(settled!.cpuIterations);
  });

  it('save stops the guest with its memory on disk; restore brings the same boot back, counter kept', async () => {
    if (!port) throw new Error('no port');
    const file = path.join(STATE_DIR, `${guest.name}.save`);
    rmSync(file, { force: true });
    const before = last()!;
    await port.save(ref, file, { timeoutMs: 120_000 });
    expect(existsSync(file)).toBe(true);
    // a saved guest no longer runs: shut off, or gone if it was transient
    const vms = await port.listVms('lab-a');
    expect(vms.filter((v) => v.name === guest.name && v.state !== 'shutoff')).toEqual([]);
    const linesWhileSaved = progress().length;

    await port.restore('lab-a', file, { timeoutMs: 120_000 });
    expect((await port.getVm(ref)).state).toBe('running');
    const after = await counterBeyond(before.cpuIterations, `${guest.name} to work on after restore`);
    expect(progress().length).toBeGreaterThan(linesWhileSaved);
    // restored, not rebooted: uptime and counter continue from before the save
    expect(after.uptimeSeconds).toBeGreaterThan(before.uptimeSeconds);
    expect(after.cpuIterations).toBeGreaterThan(before.cpuIterations);
    rmSync(file, { force: true });
  });

  it('hot-plugs a vCPU: libvirt reads back 2 and the guest brings its second CPU online', async () => {
    if (!port) throw new Error('no port');
    expect((await port.getVm(ref)).vcpus).toBe(1);
    expect(last()!.onlineCpus).toBe(1);
    await port.setVcpus(ref, 2);
    expect((await port.getVm(ref)).vcpus).toBe(2);
    const seen = await pollUntil(
      () => {
        const p = last();
        return p && p.onlineCpus === 2 ? p : null;
      },
      { what: `${guest.name} to see its second vCPU`, timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(seen.onlineCpus).toBe(2);
  });
});
