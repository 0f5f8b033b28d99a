// Live migration through the port (virDomainMigrateToURI3, peer to peer) between the
// system libvirtd and a private second libvirtd on the same machine, with a diskless
// TCG domain: progress from job stats, the result, and abort on deadline. Fails, naming
// what is missing, when libvirt/QEMU are not set up (`npm run setup`).
import type { HypervisorPort, MigrationProgress } from '../../core/hypervisor/port';
import { openLibvirt } from '../../core/libvirt/adapter';
import {
  disklessDomainXml,
  ensureLibvirtd,
  localMigrationAddress,
  QEMU_SYSTEM,
  startDefinedDomain,
  startPrivateLibvirtd,
  virsh,
  type PrivateLibvirtd,
} from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// jest's per-project testTimeout is not applied (it is a global option): set it here.
jest.setTimeout(120_000);

const NAME = `libvirt-ct-${process.pid}-mig`;

describe('libvirt live migration between two local libvirtds', () => {
  let dest: PrivateLibvirtd;
  let source: HypervisorPort;
  let target: HypervisorPort;
  let dir: string;

  beforeAll(async () => {
    const address = localMigrationAddress();
    if (!address) throw new Error('this machine has no non-loopback IPv4 address to migrate over');
    await ensureLibvirtd();
    dest = await startPrivateLibvirtd({ hostname: address });
    dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-mig-'));
    writeFileSync(path.join(dir, 'vm.xml'), disklessDomainXml(NAME, { vcpus: 1, maxVcpus: 1 }));
    await virsh('define', path.join(dir, 'vm.xml'));
    await startDefinedDomain(NAME);
    // Both daemons share one cgroup tree and name a domain's cgroup by its ID: the
    // fresh destination would give it ID 1, so the source must not use ID 1.
    if ((await virsh('domid', NAME)).trim() === '1') {
      await virsh('destroy', NAME);
      await startDefinedDomain(NAME);
    }
    source = await openLibvirt(QEMU_SYSTEM, { hostName: 'src' });
    target = await openLibvirt(dest.uri, { hostName: 'dst' });
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
    for (const uri of [QEMU_SYSTEM, dest?.uri]) {
      if (!uri) continue;
      await virsh('-c', uri, 'destroy', NAME).catch(() => undefined);
      await virsh('-c', uri, 'undefine', NAME).catch(() => undefined);
    }
    await dest?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports progress from job stats while it runs; abortJob stops it and the VM stays on the source', async () => {
    const progress: MigrationProgress[] = [];
    const vm = { host: 'src', name: NAME };
    // 1 MiB/s for 64 MiB of guest memory runs for about a minute: long enough to watch.
    const migration = source.migrate(
      vm,
      { host: 'dst', uri: dest.uri },
      { bandwidthBytesSec: 2 ** 20, timeoutMs: 90_000, onProgress: (p) => progress.push(p) },
    );
    const settled = migration.then(
      () => 'completed',
      (e: unknown) => e,
    );
    try {
      // A fresh migration first starts the destination QEMU (P2P): progress comes after.
      await pollUntil(() => progress.some((p) => p.elapsedSeconds > 0), {
        what: 'a progress report with elapsed time > 0',
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      expect(await source.getJobProgress(vm)).not.toBeNull();
    } finally {
      await source.abortJob(vm).catch(() => undefined);
    }
    expect(await settled).toMatchObject({ name: 'HypervisorError' });
    expect((await source.getVm(vm)).state).toBe('running');
    await pollUntil(async () => (await source.getJobProgress(vm)) === null, {
      what: 'the aborted job to go away',
      timeoutMs: 10_000,
    });
    expect(await target.listVms('dst')).toEqual([]);
  });

  it('a migration past its deadline is aborted: the VM keeps running on the source', async () => {
    const progress: MigrationProgress[] = [];
    const vm = { host: 'src', name: NAME };
    // A diskless guest's memory is mostly zero pages, so 1 MiB/s does not bound the whole
    // migration; but starting the destination QEMU and sending the non-zero pages (firmware,
    // ~1 MiB at 1 MiB/s) takes well over 0.8 s, so the deadline always falls mid-job.
    await expect(
      source.migrate(
        vm,
        { host: 'dst', uri: dest.uri },
        {
          bandwidthBytesSec: 2 ** 20,
          timeoutMs: 800,
          onProgress: (p) => progress.push(p),
        },
      ),
    ).rejects.toMatchObject({ code: 'timeout' });
    // No report after the deadline (a fresh destination QEMU may leave none before it).
    expect(Math.max(0, ...progress.map((p) => p.elapsedSeconds))).toBeLessThanOrEqual(1.5);
    expect((await source.getVm(vm)).state).toBe('running');
    expect(await source.getJobProgress(vm)).toBeNull();
    expect(await target.listVms('dst')).toEqual([]);
  });

  it('migrates the running VM live to the other host and reports the result', async () => {
    const vm = { host: 'src', name: NAME };
    const res = await source.migrate(vm, { host: 'dst', uri: dest.uri }, { timeoutMs: 60_000 });
    expect(res).toMatchObject({ vm: NAME, from: 'src', to: 'dst' });
    expect(res.durationSeconds).toBeGreaterThan(0);
    expect(res.downtimeMs).toBeGreaterThanOrEqual(0);
    expect(res.transferredBytes).toBeGreaterThan(0);
    expect((await target.getVm({ host: 'dst', name: NAME })).state).toBe('running');
    await expect(source.getVm(vm)).rejects.toMatchObject({ code: 'not_found' });
  });
});
