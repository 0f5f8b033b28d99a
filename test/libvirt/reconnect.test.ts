// Keepalive and reconnection against a real libvirtd that the test stops and restarts
// (a private instance, so the system libvirtd other suites use is left alone). Fails,
// naming what is missing, when libvirtd is not set up (`npm run setup`).
import type { HypervisorPort } from '../../core/hypervisor/port';
import { openLibvirt } from '../../core/libvirt/adapter';
import { LibvirtConnection, pooledConnectionCount } from '../../core/libvirt/connection';
import { startPrivateLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';

// jest's per-project testTimeout is not applied (it is a global option): set it here.
jest.setTimeout(120_000);

describe('libvirt reconnection (private libvirtd)', () => {
  let daemon: PrivateLibvirtd;
  let port: HypervisorPort;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    port = await openLibvirt(daemon.uri, { hostName: 'private', defaultTimeoutMs: 15_000 });
  });
  afterAll(async () => {
    await port?.close();
    await daemon?.dispose();
  });

  it('answers, then keeps answering after libvirtd restarts (one reconnect)', async () => {
    expect(await port.listVms('private')).toEqual([]);
    const before = await port.getHostInfo('private');
    await daemon.stop();
    await daemon.start();
    const after = await port.getHostInfo('private');
    expect(after.cpus).toBe(before.cpus);
    expect(await port.listVms('private')).toEqual([]);
  });

  it('rejects unreachable while libvirtd is down, and recovers when it is back', async () => {
    await daemon.stop();
    await expect(port.listVms('private')).rejects.toMatchObject({ code: 'unreachable' });
    await daemon.start();
    expect(await port.listVms('private')).toEqual([]);
  });

  it('a port opened after libvirtd came back connects, while another port still holds the failed connection', async () => {
    await daemon.stop();
    await expect(port.listVms('private')).rejects.toMatchObject({ code: 'unreachable' }); // its reopen failed
    await daemon.start();
    // `port` has not been used since: the pooled connection still holds the failed reopen.
    const second = await openLibvirt(daemon.uri, { hostName: 'private', defaultTimeoutMs: 15_000 });
    try {
      expect(await second.listVms('private')).toEqual([]);
      expect(await port.listVms('private')).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('a dedicated connection stays out of the pool and lives on its own', async () => {
    const pooledBefore = pooledConnectionCount();
    const dedicated = await openLibvirt(daemon.uri, {
      hostName: 'private',
      defaultTimeoutMs: 15_000,
      dedicatedConnection: true,
    });
    try {
      expect(pooledConnectionCount()).toBe(pooledBefore);
      expect(await dedicated.listVms('private')).toEqual([]);
    } finally {
      await dedicated.close();
    }
    expect(await port.listVms('private')).toEqual([]); // the pooled one is untouched
  });
});

describe('libvirt keepalive (private libvirtd)', () => {
  it('runs the event loop for a remote connection, which notices a dead libvirtd without a call', async () => {
    const daemon = await startPrivateLibvirtd();
    const conn = await LibvirtConnection.acquire(daemon.uri, 10_000);
    try {
      expect(conn.keepalive).toBe(true);
      expect(await conn.alive()).toBe(true);
      await daemon.stop();
      await pollUntil(async () => !(await conn.alive()), {
        what: 'the keepalive to notice the stopped libvirtd',
        timeoutMs: 10_000,
      });
    } finally {
      await conn.release();
      await daemon.dispose();
    }
  });

  it('does not need keepalive on the test driver (it refuses it)', async () => {
    const conn = await LibvirtConnection.acquire('test:///default', 10_000);
    try {
      expect(conn.keepalive).toBe(false);
      expect(await conn.alive()).toBe(true);
    } finally {
      await conn.release();
    }
  });
});
