// The port contract against real libvirt: a diskless TCG domain on qemu:///system (no
// KVM here). Fails, naming what is missing, when libvirtd/QEMU are not set up
// (`npm run setup`) or the test does not run as root. A freshly started guest is waited
// for (its counters start at 0), never expected to show CPU time at once.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeHypervisorContract } from '../../core/hypervisor/testing/contract';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { openLibvirt } from '../../core/libvirt/adapter';
import {
  disklessDomainXml,
  ensureLibvirtd,
  QEMU_SYSTEM,
  startDefinedDomain,
  virsh,
} from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';

// jest's per-project testTimeout is not applied (it is a global option): set it here.
jest.setTimeout(120_000);

const run = promisify(execFile);
const PREFIX = `libvirt-ct-${process.pid}`;

/** Defines and starts a persistent diskless domain; returns a function that removes it. */
async function startDomain(name: string): Promise<() => Promise<void>> {
  await ensureLibvirtd();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-libvirt-ct-'));
  const file = path.join(dir, `${name}.xml`);
  writeFileSync(file, disklessDomainXml(name));
  const remove = async () => {
    await virsh('destroy', name).catch(() => undefined);
    await virsh('undefine', name, '--managed-save').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await virsh('define', file);
    await startDefinedDomain(name);
  } catch (e) {
    await remove();
    throw e;
  }
  return remove;
}

/**
 * Whether this host's kernel can shape traffic the way libvirt does it (htb + sfq qdiscs
 * on the domain's tap device); some container kernels lack sch_sfq.
 */
async function kernelShapesTraffic(domain: string): Promise<boolean> {
  const tap = /\b(vnet\d+)\b/.exec(await virsh('domiflist', domain))?.[1];
  if (!tap) return false;
  try {
    await run('tc', ['qdisc', 'add', 'dev', tap, 'root', 'handle', '1:', 'sfq']);
    await run('tc', ['qdisc', 'del', 'dev', tap, 'root']);
    return true;
  } catch {
    return false;
  }
}

describeHypervisorContract('libvirt qemu:///system, diskless TCG domain', async () => {
  const name = `${PREFIX}-contract`;
  const remove = await startDomain(name);
  let port: HypervisorPort | undefined;
  let shapes: boolean;
  try {
    port = await openLibvirt(QEMU_SYSTEM, { hostName: 'qemu-local', defaultTimeoutMs: 30_000 });
    shapes = await kernelShapesTraffic(name);
  } catch (e) {
    // The suite's teardown only runs for a fixture it got: remove the domain here.
    await port?.close().catch(() => undefined);
    await remove();
    throw e;
  }
  return {
    port,
    host: 'qemu-local',
    vm: { host: 'qemu-local', name },
    unsupported: new Set(shapes ? [] : (['setNetBandwidth'] as const)),
    // no OS in the guest, so no balloon driver: the target is set but not reached
    balloonReadBack: false,
    teardown: remove,
  };
});

describe('libvirt qemu:///system: real stats and CPU tune', () => {
  const name = `${PREFIX}-stats`;
  let remove: () => Promise<void>;
  let port: HypervisorPort;
  let host: string;

  beforeAll(async () => {
    remove = await startDomain(name);
    port = await openLibvirt(QEMU_SYSTEM);
    host = (await port.listHosts())[0].name;
  });
  afterAll(async () => {
    await port?.close();
    await remove?.();
  });

  it('names the host after virConnectGetHostname and reads its CPU time and free memory', async () => {
    expect(host).toBe(os.hostname());
    const info = await port.getHostInfo(host);
    expect(info.cpus).toBe(os.cpus().length);
    expect(info.memoryFreeBytes).toBeGreaterThan(0);
    expect(info.cpuSecondsByMode?.user).toBeGreaterThan(0);
    expect(info.cpuSecondsByMode?.idle).toBeGreaterThan(0);
  });

  /** This test's domain in one bulk read. */
  const statsOf = async (groups?: Parameters<HypervisorPort['getStats']>[1]) =>
    (await port.getStats(host, groups)).vms.find((v) => v.name === name);

  it('reports real CPU, vCPU, balloon and interface stats in one bulk read', async () => {
    // A brand-new guest has run no instruction yet: wait until its vCPU has run.
    const s = await pollUntil(
      async () => {
        const v = await statsOf();
        return (v?.cpu?.totalSeconds ?? 0) > 0 && (v?.vcpu?.perVcpu[0]?.timeSeconds ?? 0) > 0 && v;
      },
      { what: `CPU and per-vCPU time > 0 on the fresh domain ${name}`, timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(s.state).toBe('running');
    expect(s.cpu?.userSeconds).toBeGreaterThanOrEqual(0);
    expect(s.vcpu).toMatchObject({ current: 1, maximum: 2 });
    expect(s.balloon?.currentBytes).toBe(64 * 2 ** 20);
    expect(s.balloon?.maximumBytes).toBe(64 * 2 ** 20);
    expect(s.balloon?.rssBytes).toBeGreaterThan(0);
    expect(s.nets?.length).toBe(1);
    expect(s.nets?.[0].device).toMatch(/^vnet\d+$/);
    expect(s.blocks).toEqual([]);
  });

  it('CPU time grows between two reads', async () => {
    const first = (await statsOf({ groups: ['cpu'] }))?.cpu?.totalSeconds;
    expect(first).toBeDefined();
    await pollUntil(
      async () => ((await statsOf({ groups: ['cpu'] }))?.cpu?.totalSeconds ?? 0) > (first ?? Infinity),
      {
        what: `CPU time of ${name} to grow past ${first} s`,
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
  });

  it('cpu_shares and vcpu_quota read back, also through virsh', async () => {
    const vm = { host, name };
    await port.setCpuShares(vm, 333);
    await port.setCpuCap(vm, { periodUs: 50000, quotaUs: 25000 });
    expect(await port.getCpuTune(vm)).toEqual({ shares: 333, cap: { periodUs: 50000, quotaUs: 25000 } });
    const sched = await virsh('schedinfo', name);
    expect(sched).toMatch(/cpu_shares\s*:\s*333/);
    expect(sched).toMatch(/vcpu_quota\s*:\s*25000/);
  });
});
