// The exporter reads the slow stat groups in the background on a libvirt connection of
// their own, so they never queue ahead of a scrape's cheap read on a remote libvirtd
// (exporter/targets.ts). Checked from libvirtd's side: its admin interface lists the
// client connections it holds (virt-admin srv-clients-list).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { ReconnectingTarget } from '../../exporter/targets';
import { startPrivateLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';
import { getMetrics, sampleValue } from './scrape-text';

jest.setTimeout(120_000);

const run = promisify(execFile);
const RACK_A = `test://${path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml')}`;

/** Client connections libvirtd holds, as its admin interface lists them. */
async function clientConnections(daemon: PrivateLibvirtd): Promise<number> {
  const socket = new URL(daemon.uri).searchParams.get('socket');
  if (!socket) throw new Error(`no socket in ${daemon.uri}`);
  const admin = `libvirtd:///system?socket=${path.join(path.dirname(socket), 'libvirt-admin-sock')}`;
  const { stdout } = await run('virt-admin', ['-c', admin, 'srv-clients-list', 'libvirtd'], {
    timeout: 10_000,
  });
  return stdout.split('\n').filter((l) => /^\s*\d+\s+\S+/.test(l)).length;
}

describe('background reads on a connection of their own', () => {
  it('shares the port on the test driver (in-process; a second connection would load a second copy of the host)', async () => {
    const target = new ReconnectingTarget(RACK_A);
    await target.start();
    try {
      expect(target.port()).toBeDefined();
      expect(await target.backgroundPort()).toBe(target.port());
    } finally {
      await target.close();
    }
  });

  describe('on a remote libvirtd (private instance)', () => {
    let daemon: PrivateLibvirtd;
    beforeAll(async () => {
      daemon = await startPrivateLibvirtd(); // fails naming what is missing when libvirt is not set up
    });
    afterAll(async () => {
      await daemon?.dispose();
    });

    it('opens one second connection for background reads, and closes both with the target', async () => {
      const before = await clientConnections(daemon);
      const target = new ReconnectingTarget(daemon.uri);
      await target.start();
      try {
        expect(await clientConnections(daemon)).toBe(before + 1);
        const bg = await target.backgroundPort();
        expect(bg).toBeDefined();
        expect(bg).not.toBe(target.port());
        expect(await target.backgroundPort()).toBe(bg); // opened once, then reused
        expect(await clientConnections(daemon)).toBe(before + 2);
        const [host] = await target.hosts(5000);
        expect((await bg?.getStats(host))?.host).toBe(host);
      } finally {
        await target.close();
      }
      await pollUntil(async () => (await clientConnections(daemon)) === before, {
        what: 'libvirtd lets both connections go',
        timeoutMs: 10_000,
      });
    });

    it('an exporter in background mode reads the slow groups on the second connection', async () => {
      const before = await clientConnections(daemon);
      let exporter: RunningExporter | undefined;
      try {
        exporter = await startExporter({
          connect: [`private=${daemon.uri}`],
          listen: { host: '127.0.0.1', port: 0 },
          slowReadMs: 0, // every inline read counts as slow: background mode at once
          backgroundIntervalMs: 0,
        });
        const first = await getMetrics(exporter.url);
        expect(sampleValue(first.text, 'vmpilot_host_up{host="private"}')).toBe(1);
        expect(exporter.exporter.scraper.modes()).toEqual({ private: 'background' });
        await getMetrics(exporter.url); // cheap read, then the first background read
        await pollUntil(async () => (await clientConnections(daemon)) === before + 2, {
          what: 'the background read connected',
          timeoutMs: 10_000,
        });
        const third = await getMetrics(exporter.url);
        expect(sampleValue(third.text, 'vmpilot_host_up{host="private"}')).toBe(1);
        expect(
          sampleValue(third.text, 'vmpilot_scrape_collector_success{host="private",collector="cpu"}'),
        ).toBe(1);
      } finally {
        await exporter?.close();
      }
      await pollUntil(async () => (await clientConnections(daemon)) === before, {
        what: 'the exporter let both connections go',
        timeoutMs: 10_000,
      });
    });
  });
});
