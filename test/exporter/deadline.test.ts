// A hung hypervisor must not hang /metrics: past the deadline the exporter answers with
// what it has and vmpilot_host_up 0. Two hangs: a port whose getStats never resolves (over
// the real test driver), and a real libvirtd frozen with SIGSTOP (needs root + libvirtd).
// Also: a libvirtd that is down at start-up is connected once it comes back.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import type { HypervisorPort } from '../../core/hypervisor/port';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { startPrivateLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';
import { getMetrics, sampleValue } from './scrape-text';

const RACK_A = `test://${path.join(__dirname, '..', 'fixtures', 'hosts', 'rack-a.xml')}`;
const DEADLINE_MS = 800;
const MARGIN_MS = 700;

/** The real port, except that getStats never answers. */
function hangingStats(port: HypervisorPort): HypervisorPort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (prop === 'getStats') return () => new Promise(() => undefined);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('scrape deadline', () => {
  it('answers within deadline + margin with host_up 0 when getStats never resolves', async () => {
    const port = await connectHypervisors([RACK_A]);
    const exporter = await startExporter({
      hypervisor: hangingStats(port),
      listen: { host: '127.0.0.1', port: 0 },
      deadlineMs: DEADLINE_MS,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const { text, ms } = await getMetrics(exporter.url);
        expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
        expect(sampleValue(text, 'vmpilot_host_up{host="rack-a"}')).toBe(0);
        expect(sampleValue(text, 'vmpilot_scrape_collector_success{host="rack-a",collector="cpu"}')).toBe(0);
        // what did arrive is still served
        expect(sampleValue(text, 'vmpilot_host_cpus{host="rack-a"}')).toBe(16);
      }
      // repeated scrapes of a hung host do not pile up calls
      expect(exporter.exporter.scraper.callsInFlight).toBeLessThanOrEqual(3);
    } finally {
      await exporter.close();
      await port.close();
    }
  });

  describe('a real libvirtd frozen with SIGSTOP', () => {
    let daemon: PrivateLibvirtd | undefined;
    let exporter: RunningExporter | undefined;
    let pid = 0;

    beforeAll(async () => {
      daemon = await startPrivateLibvirtd(); // fails naming what is missing when libvirt is not set up
      // The helper's socket lives in <dir>/run/; its pid file is <dir>/libvirtd.pid.
      const socket = /socket=([^&]+)/.exec(daemon.uri)?.[1] ?? '';
      pid = Number(
        readFileSync(path.join(path.dirname(path.dirname(socket)), 'libvirtd.pid'), 'utf8').trim(),
      );
      exporter = await startExporter({
        connect: [`frozen=${daemon.uri}`],
        portOptions: { defaultTimeoutMs: DEADLINE_MS },
        listen: { host: '127.0.0.1', port: 0 },
        deadlineMs: DEADLINE_MS,
      });
    }, 60_000);
    afterAll(async () => {
      if (pid) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
      await exporter?.close();
      await daemon?.dispose();
    }, 60_000);

    it('answers within deadline + margin with host_up 0, and recovers after SIGCONT', async () => {
      const e = exporter as RunningExporter;
      const hostUp = async () =>
        sampleValue((await getMetrics(e.url)).text, 'vmpilot_host_up{host="frozen"}');
      await pollUntil(async () => (await hostUp()) === 1, {
        what: 'host_up 1 before the freeze',
        timeoutMs: 10_000,
        intervalMs: 500,
      });

      process.kill(pid, 'SIGSTOP');
      for (let i = 0; i < 3; i++) {
        const { text, ms } = await getMetrics(e.url);
        expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
        expect(sampleValue(text, 'vmpilot_host_up{host="frozen"}')).toBe(0);
      }
      // As Prometheus asks (gzip): compressed without waiting for the thread pool the
      // frozen libvirtd's calls occupy (node:http's client does not decompress).
      const t0 = Date.now();
      const encoding = await new Promise<string | undefined>((resolve, reject) => {
        const req = get(
          `${e.url}/metrics`,
          { headers: { 'Accept-Encoding': 'gzip' }, timeout: 15_000 },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.headers['content-encoding']));
          },
        );
        req.on('timeout', () => req.destroy(new Error('no gzip answer within 15 s')));
        req.on('error', reject);
      });
      expect(encoding).toBe('gzip');
      expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      process.kill(pid, 'SIGCONT');

      await pollUntil(async () => (await hostUp()) === 1, {
        what: 'host_up 1 after SIGCONT',
        timeoutMs: 60_000,
        intervalMs: 500,
      });
    }, 90_000);

    it('starts while libvirtd is down (host_up 0) and connects once it is back (retry with back-off)', async () => {
      const d = daemon as PrivateLibvirtd;
      // Ports on one URI share a pooled libvirt connection (core/libvirt/connection.ts):
      // close the first exporter so this one starts from a fresh pool entry.
      await exporter?.close();
      exporter = undefined;
      await d.stop();
      const late = await startExporter({
        connect: [`late=${d.uri}`],
        portOptions: { defaultTimeoutMs: DEADLINE_MS },
        listen: { host: '127.0.0.1', port: 0 },
        deadlineMs: DEADLINE_MS,
      });
      try {
        expect(sampleValue((await getMetrics(late.url)).text, 'vmpilot_host_up{host="late"}')).toBe(0);
        await d.start();
        await pollUntil(
          async () => sampleValue((await getMetrics(late.url)).text, 'vmpilot_host_up{host="late"}') === 1,
          { what: 'host_up 1 once libvirtd is back', timeoutMs: 60_000, intervalMs: 500 },
        );
      } finally {
        await late.close();
      }
    }, 90_000);
  });
});
