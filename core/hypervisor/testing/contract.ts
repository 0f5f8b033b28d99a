// The contract suite of the HypervisorPort (hono-style: one suite, run by every adapter).
//
// An adapter's test file calls `describeHypervisorContract(name, setup)`; `setup` opens the
// port and hands over one RUNNING VM that the suite may change (memory, vCPUs, state, CPU
// tune) and one list of operations the backend must reject with `unsupported`. Every port
// method is covered: either its real behaviour is asserted (read back after set), or the
// typed `unsupported` rejection is. The suite restores the VM after each change, runs the
// migration test near the end and `close()` last; `teardown` must therefore not rely on
// the port (use a second connection, or nothing).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { prioritySchema } from '../../model/priority';
import { HypervisorError, type HypervisorErrorCode } from '../errors';
import { VM_STATES, type HypervisorPort, type MigrationTarget, type VmInfo, type VmRef } from '../port';

export interface ContractFixture {
  port: HypervisorPort;
  /** Host (as listed by `listHosts`) that holds `vm`. */
  host: string;
  /** A running VM the suite may change; it is left running (or removed by teardown). */
  vm: VmRef;
  /** Operations this backend must reject with code 'unsupported'. */
  unsupported: ReadonlySet<keyof HypervisorPort>;
  teardown(): Promise<void>;
  /**
   * Whether a new balloon target shows in getVm().memoryBytes right away. Default true;
   * false for a real guest without a balloon driver (the target is accepted, the guest
   * keeps its memory).
   */
  balloonReadBack?: boolean;
  /**
   * Whether the backend answers off the JS thread, so that a call with a 1 ms deadline
   * made while the JS thread is busy must reject 'timeout'. Default true. A backend that
   * answers in the same turn (in-memory) sets false; then the deadline is asserted not to
   * break a call that answers in time.
   */
  answersAsynchronously?: boolean;
  /** A block device of `vm` for setBlockIoTune (default: the first one getStats reports). */
  blockDevice?: string;
  /** A network interface of `vm` for setNetBandwidth (default: the first one getStats reports). */
  netDevice?: string;
  /** Where `vm` can be live-migrated to, when the backend supports migration. */
  migrationTarget?: MigrationTarget;
}

const MiB = 1024 * 1024;
/** Time budget of each contract test. */
const CALL_BUDGET_MS = 120_000;

/** Asserts that `p` rejects with a HypervisorError whose code is one of `codes`. */
export async function expectHypervisorError(
  p: Promise<unknown>,
  ...codes: HypervisorErrorCode[]
): Promise<HypervisorError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HypervisorError);
  const he = caught as HypervisorError;
  // Compared as "code: message" so a mismatch shows what the backend said.
  if (codes.length > 0 && !codes.includes(he.code)) {
    expect(`${he.code}: ${he.message}`).toBe(`one of ${codes.join(', ')}`);
  }
  expect(he.message.length).toBeGreaterThan(0);
  return he;
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* keep the JS thread busy so timers and FFI completions are both due */
  }
}

export function describeHypervisorContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`HypervisorPort contract: ${name}`, () => {
    // Real backends are slow (saving a QEMU guest takes seconds on a busy 2-core machine).
    jest.setTimeout(CALL_BUDGET_MS);
    let fx: ContractFixture;
    let port: HypervisorPort;
    let vm: VmRef;
    let original: VmInfo;
    const supports = (m: keyof HypervisorPort) => !fx.unsupported.has(m);
    const missingVm = (): VmRef => ({ host: fx.host, name: 'contract-no-such-vm-4242' });

    /** Runs `body` when the backend supports `method`, else asserts the typed rejection of `call`. */
    async function supportedOr(
      method: keyof HypervisorPort,
      call: () => Promise<unknown>,
      body: () => Promise<void>,
    ): Promise<void> {
      if (supports(method)) await body();
      else await expectHypervisorError(call(), 'unsupported');
    }

    beforeAll(async () => {
      fx = await setup();
      port = fx.port;
      vm = fx.vm;
      original = await port.getVm(vm);
    });
    afterAll(async () => {
      if (fx) {
        await port.close().catch(() => undefined);
        await fx.teardown();
      }
    });

    it('holds a running VM to work on, and names no required method unsupported', () => {
      expect(original.state).toBe('running');
      for (const m of [
        'listHosts',
        'getHostInfo',
        'listVms',
        'getVm',
        'getStats',
        'setMemory',
        'setVcpus',
        'suspend',
        'resume',
        'start',
        'stop',
        'close',
      ] as const) {
        expect(fx.unsupported.has(m)).toBe(false);
      }
    });

    describe('hosts', () => {
      it('listHosts includes the host with sane facts, getHostInfo agrees', async () => {
        const hosts = await port.listHosts();
        const h = hosts.find((x) => x.name === fx.host);
        expect(h).toBeDefined();
        const info = await port.getHostInfo(fx.host);
        expect(info.name).toBe(fx.host);
        expect(info.uri.length).toBeGreaterThan(0);
        expect(info.cpus).toBeGreaterThan(0);
        expect(Number.isInteger(info.cpus)).toBe(true);
        expect(info.mhz).toBeGreaterThanOrEqual(0);
        expect(info.memoryBytes).toBeGreaterThan(MiB);
        expect(info.cpus).toBe(h?.cpus);
        expect(info.memoryBytes).toBe(h?.memoryBytes);
        if (info.memoryFreeBytes !== undefined) {
          expect(info.memoryFreeBytes).toBeGreaterThanOrEqual(0);
          expect(info.memoryFreeBytes).toBeLessThanOrEqual(info.memoryBytes);
        }
        for (const s of Object.values(info.cpuSecondsByMode ?? {})) expect(s).toBeGreaterThanOrEqual(0);
      });

      it('reachability, where the port reports it, names every listed host up and no other down', async () => {
        if (!port.reachability) return; // optional: ports that aggregate URIs (connect.ts)
        const listed = (await port.listHosts()).map((h) => h.name).sort();
        const reach = port.reachability();
        expect(
          reach
            .filter((r) => r.up)
            .map((r) => r.host)
            .sort(),
        ).toEqual(listed);
        expect(reach.filter((r) => !r.up)).toEqual([]);
        for (const r of reach) expect(r.uri.length).toBeGreaterThan(0);
      });

      it('rejects not_found for an unknown host', async () => {
        await expectHypervisorError(port.getHostInfo('contract-no-such-host'), 'not_found');
        await expectHypervisorError(port.listVms('contract-no-such-host'), 'not_found');
        await expectHypervisorError(port.getStats('contract-no-such-host'), 'not_found');
      });
    });

    describe('VMs and stats', () => {
      it('listVms lists the VM with valid fields, getVm agrees', async () => {
        const vms = await port.listVms(fx.host);
        expect(new Set(vms.map((v) => v.name)).size).toBe(vms.length);
        const listed = vms.find((v) => v.name === vm.name);
        expect(listed).toEqual(original);
        for (const v of vms) {
          expect(VM_STATES).toContain(v.state);
          expect(v.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
          expect(v.vcpus).toBeGreaterThanOrEqual(1);
          expect(v.maxMemoryBytes).toBeGreaterThan(0);
          expect(v.memoryBytes).toBeLessThanOrEqual(v.maxMemoryBytes);
        }
      });

      it('a priority, when a VM carries one (its metadata), is a valid class and weight', async () => {
        for (const v of await port.listVms(fx.host)) {
          if (v.priority === undefined) continue;
          expect(prioritySchema.safeParse(v.priority).success).toBe(true);
          expect((await port.getVm({ host: fx.host, name: v.name })).priority).toEqual(v.priority);
        }
      });

      it('getVm rejects not_found for an unknown VM', async () => {
        await expectHypervisorError(port.getVm(missingVm()), 'not_found');
      });

      it('getStats reads every listed VM in one call, and agrees with listVms', async () => {
        const [vms, stats] = await Promise.all([port.listVms(fx.host), port.getStats(fx.host)]);
        expect(stats.host).toBe(fx.host);
        expect(stats.collectedAtMs).toBeGreaterThan(0);
        expect(Number.isFinite(stats.collectedAtMs)).toBe(true);
        expect(stats.vms.map((v) => v.name).sort()).toEqual(vms.map((v) => v.name).sort());
        for (const s of stats.vms) {
          const v = vms.find((x) => x.name === s.name);
          expect(s.uuid).toBe(v?.uuid);
          expect(s.state).toBe(v?.state);
          if (s.cpu) expect(s.cpu.totalSeconds).toBeGreaterThanOrEqual(0);
          if (s.vcpu) {
            expect(s.vcpu.current).toBeLessThanOrEqual(s.vcpu.maximum);
            for (const c of s.vcpu.perVcpu) expect(c.id).toBeGreaterThanOrEqual(0);
          }
          if (s.balloon) expect(s.balloon.currentBytes).toBeLessThanOrEqual(s.balloon.maximumBytes);
          for (const b of s.blocks ?? []) {
            expect(b.device.length).toBeGreaterThan(0);
            expect(b.readBytes).toBeGreaterThanOrEqual(0);
          }
          for (const n of s.nets ?? []) {
            expect(n.device.length).toBeGreaterThan(0);
            expect(n.rxBytes).toBeGreaterThanOrEqual(0);
          }
        }
      });

      it('getStats leaves out groups that were not asked for', async () => {
        const stats = await port.getStats(fx.host, { groups: ['state'] });
        const s = stats.vms.find((x) => x.name === vm.name);
        expect(s?.state).toBe('running');
        for (const x of stats.vms) {
          expect(x.cpu).toBeUndefined();
          expect(x.balloon).toBeUndefined();
          expect(x.blocks).toBeUndefined();
          expect(x.nets).toBeUndefined();
          expect(x.perf).toBeUndefined();
        }
      });

      it('honours the call deadline', async () => {
        if (fx.answersAsynchronously ?? true) {
          const p = port.getStats(fx.host, { timeoutMs: 1 });
          busyWait(20); // both the 1 ms timer and the answer are now due: the timer runs first
          await expectHypervisorError(p, 'timeout');
          // the port stays usable after a timed-out call
          expect((await port.getVm(vm)).name).toBe(vm.name);
        } else {
          const s = await port.getStats(fx.host, { timeoutMs: 60_000 });
          expect(s.vms.length).toBeGreaterThan(0);
        }
      });
    });

    describe('memory and vCPUs', () => {
      it('setMemory sets the balloon target, then restores it', async () => {
        const target = Math.max(
          32 * MiB,
          Math.floor(Math.min(original.memoryBytes, original.maxMemoryBytes) / 2 / MiB) * MiB,
        );
        await port.setMemory(vm, target);
        if (fx.balloonReadBack ?? true) {
          expect((await port.getVm(vm)).memoryBytes).toBe(target);
          const st = await port.getStats(fx.host, { groups: ['balloon'] });
          const b = st.vms.find((x) => x.name === vm.name)?.balloon;
          if (b) expect(b.currentBytes).toBe(target);
        }
        await port.setMemory(vm, original.memoryBytes);
        if (fx.balloonReadBack ?? true) expect((await port.getVm(vm)).memoryBytes).toBe(original.memoryBytes);
      });

      it('setMemory rejects invalid above the maximum, not_found for an unknown VM', async () => {
        await expectHypervisorError(port.setMemory(vm, original.maxMemoryBytes + 1024 * MiB), 'invalid');
        await expectHypervisorError(port.setMemory(vm, -1), 'invalid');
        await expectHypervisorError(port.setMemory(missingVm(), 64 * MiB), 'not_found');
      });

      it('setVcpus changes the active vCPU count and reads it back', async () => {
        const st = await port.getStats(fx.host, { groups: ['vcpu'] });
        const max = st.vms.find((x) => x.name === vm.name)?.vcpu?.maximum ?? original.vcpus;
        const next = max > original.vcpus ? original.vcpus + 1 : original.vcpus - 1;
        if (next >= 1) {
          await port.setVcpus(vm, next);
          expect((await port.getVm(vm)).vcpus).toBe(next);
          // Going back may need the guest's cooperation (vCPU unplug); best effort.
          await port.setVcpus(vm, original.vcpus).catch(() => undefined);
        } else {
          await port.setVcpus(vm, original.vcpus);
          expect((await port.getVm(vm)).vcpus).toBe(original.vcpus);
        }
      });

      it('setVcpus rejects invalid for 0 or above the maximum', async () => {
        await expectHypervisorError(port.setVcpus(vm, 0), 'invalid');
        await expectHypervisorError(port.setVcpus(vm, 100000), 'invalid');
        await expectHypervisorError(port.setVcpus(missingVm(), 1), 'not_found');
      });
    });

    describe('CPU tune and pinning', () => {
      it('setCpuShares reads back through getCpuTune', async () => {
        await supportedOr(
          'setCpuShares',
          () => port.setCpuShares(vm, 512),
          async () => {
            const before = await port.getCpuTune(vm);
            await port.setCpuShares(vm, 512);
            expect((await port.getCpuTune(vm)).shares).toBe(512);
            await port.setCpuShares(vm, before.shares);
            expect((await port.getCpuTune(vm)).shares).toBe(before.shares);
            await expectHypervisorError(port.setCpuShares(vm, 0), 'invalid');
          },
        );
        if (!supports('getCpuTune')) await expectHypervisorError(port.getCpuTune(vm), 'unsupported');
      });

      it('setCpuCap reads back through getCpuTune, and -1 removes the cap', async () => {
        await supportedOr(
          'setCpuCap',
          () => port.setCpuCap(vm, { periodUs: 100000, quotaUs: 50000 }),
          async () => {
            await port.setCpuCap(vm, { periodUs: 100000, quotaUs: 50000 });
            expect((await port.getCpuTune(vm)).cap).toEqual({ periodUs: 100000, quotaUs: 50000 });
            await port.setCpuCap(vm, { periodUs: 100000, quotaUs: -1 });
            expect((await port.getCpuTune(vm)).cap.quotaUs).toBe(-1);
            await expectHypervisorError(port.setCpuCap(vm, { periodUs: 10, quotaUs: 5 }), 'invalid');
          },
        );
      });

      it('pinVcpu pins vCPU 0 to CPU 0 and rejects a bad vCPU or CPU', async () => {
        await supportedOr(
          'pinVcpu',
          () => port.pinVcpu(vm, 0, [0]),
          async () => {
            const host = await port.getHostInfo(fx.host);
            await port.pinVcpu(vm, 0, [0]);
            await port.pinVcpu(
              vm,
              0,
              Array.from({ length: host.cpus }, (_, i) => i),
            );
            await expectHypervisorError(port.pinVcpu(vm, 0, [host.cpus + 64]), 'invalid');
            await expectHypervisorError(port.pinVcpu(vm, 0, []), 'invalid');
            await expectHypervisorError(port.pinVcpu(vm, 4096, [0]), 'invalid');
          },
        );
      });
    });

    describe('I/O limits', () => {
      it('setBlockIoTune accepts a limit on a disk and rejects an unknown disk', async () => {
        const st = await port.getStats(fx.host, { groups: ['block'] });
        const dev = fx.blockDevice ?? st.vms.find((x) => x.name === vm.name)?.blocks?.[0]?.device;
        await supportedOr(
          'setBlockIoTune',
          () => port.setBlockIoTune(vm, dev ?? 'vda', { totalBytesSec: 10 * MiB }),
          async () => {
            if (dev) {
              await port.setBlockIoTune(vm, dev, { totalBytesSec: 10 * MiB });
              await port.setBlockIoTune(vm, dev, { totalBytesSec: 0 });
            }
            await expectHypervisorError(
              port.setBlockIoTune(vm, 'contract-no-such-disk', { totalBytesSec: MiB }),
              'not_found',
              'invalid',
            );
          },
        );
      });

      it('setNetBandwidth accepts a limit on an interface and rejects an unknown one', async () => {
        const st = await port.getStats(fx.host, { groups: ['net'] });
        const dev = fx.netDevice ?? st.vms.find((x) => x.name === vm.name)?.nets?.[0]?.device;
        await supportedOr(
          'setNetBandwidth',
          () => port.setNetBandwidth(vm, dev ?? 'eth0', { inboundBytesSec: MiB }),
          async () => {
            if (dev) {
              await port.setNetBandwidth(vm, dev, { inboundBytesSec: MiB, outboundBytesSec: 2 * MiB });
              await port.setNetBandwidth(vm, dev, { inboundBytesSec: 0, outboundBytesSec: 0 });
            }
            await expectHypervisorError(
              port.setNetBandwidth(vm, 'contract-no-such-nic', { inboundBytesSec: MiB }),
              'not_found',
              'invalid',
            );
          },
        );
      });
    });

    describe('lifecycle', () => {
      const stateOf = async () => (await port.getVm(vm)).state;

      it('suspend → paused, resume → running', async () => {
        await port.suspend(vm);
        expect(await stateOf()).toBe('paused');
        await port.resume(vm);
        expect(await stateOf()).toBe('running');
        await expectHypervisorError(port.suspend(missingVm()), 'not_found');
      });

      it('stop (force) → shutoff, start → running', async () => {
        await port.stop(vm, { force: true });
        expect(await stateOf()).toBe('shutoff');
        await expectHypervisorError(port.resume(vm), 'invalid', 'failed');
        await port.start(vm);
        expect(await stateOf()).toBe('running');
        await expectHypervisorError(port.start(vm), 'invalid', 'failed');
        await expectHypervisorError(port.stop(missingVm(), { force: true }), 'not_found');
      });

      it('save stops the VM into a file, restore brings it back running', async () => {
        // The save file lives in a temp dir of its own, removed even when the test fails.
        const dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-contract-'));
        const file = path.join(dir, 'vm.save');
        try {
          await supportedOr(
            'save',
            () => port.save(vm, file),
            async () => {
              await port.save(vm, file);
              expect(await stateOf()).toBe('shutoff');
              await port.restore(fx.host, file);
              expect(await stateOf()).toBe('running');
              expect((await port.getVm(vm)).uuid).toBe(original.uuid);
            },
          );
          if (!supports('restore')) await expectHypervisorError(port.restore(fx.host, file), 'unsupported');
          else await expectHypervisorError(port.restore(fx.host, `${file}.missing`));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });

    describe('jobs and migration', () => {
      it('getJobProgress is null without a job; abortJob without a job is refused', async () => {
        await supportedOr(
          'getJobProgress',
          () => port.getJobProgress(vm),
          async () => {
            expect(await port.getJobProgress(vm)).toBeNull();
          },
        );
        await supportedOr(
          'abortJob',
          () => port.abortJob(vm),
          async () => {
            await expectHypervisorError(port.abortJob(vm), 'invalid', 'failed');
          },
        );
      });

      it('migrate moves the VM to the target, or is rejected', async () => {
        const target = fx.migrationTarget;
        await supportedOr(
          'migrate',
          () => port.migrate(vm, target ?? { host: 'contract-target', uri: 'test:///default' }),
          async () => {
            if (!target) {
              await expectHypervisorError(
                port.migrate(vm, { host: 'contract-no-such-host', uri: 'qemu+tcp://127.0.0.1:1/system' }),
              );
              return;
            }
            const progress: number[] = [];
            const res = await port.migrate(vm, target, {
              onProgress: (p) => progress.push(p.elapsedSeconds),
              timeoutMs: 120_000,
            });
            expect(res.vm).toBe(vm.name);
            expect(res.from).toBe(fx.host);
            expect(res.to).toBe(target.host);
            expect(res.durationSeconds).toBeGreaterThanOrEqual(0);
            await expectHypervisorError(port.getVm(vm), 'not_found');
          },
        );
      });
    });

    describe('close', () => {
      it('close releases the port; later calls reject unreachable; close is idempotent', async () => {
        await port.close();
        await expectHypervisorError(port.listHosts(), 'unreachable');
        await expectHypervisorError(port.getVm(vm), 'unreachable');
        await port.close();
      });
    });
  });
}
