// Counters stay counters across a libvirtd restart: a real diskless TCG domain runs under a
// private libvirtd; its CPU-time counter, read through the exporter, never goes down when
// libvirtd is stopped and started again (QEMU and its cgroup outlive libvirtd, and the
// exporter reconnects), and the series keeps the same label set.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startExporter, type RunningExporter } from '../../exporter/server';
import { disklessDomainXml, startPrivateLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';
import { pollUntil } from '../helpers/poll';
import { getMetrics, sampleValue } from './scrape-text';

const run = promisify(execFile);
const NAME = 'exporter-counters';

describe('counters across a libvirtd restart', () => {
  let dir: string | undefined;
  let daemon: PrivateLibvirtd | undefined;
  let exporter: RunningExporter | undefined;
  const virsh = (...a: string[]) =>
    run('virsh', ['-c', (daemon as PrivateLibvirtd).uri, ...a], { timeout: 60_000 });

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd(); // fails naming what is missing when libvirt is not set up
    dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-counters-'));
    const xml = path.join(dir, `${NAME}.xml`);
    writeFileSync(xml, disklessDomainXml(NAME, { memoryMiB: 32 }));
    await virsh('create', xml);
    exporter = await startExporter({
      connect: [`priv=${daemon.uri}`],
      listen: { host: '127.0.0.1', port: 0 },
      deadlineMs: 10_000,
    });
  }, 90_000);
  afterAll(async () => {
    await exporter?.close();
    if (daemon) await virsh('destroy', NAME).catch(() => undefined);
    await daemon?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  async function cpuSeconds(): Promise<{ value?: number; up?: number }> {
    const { text } = await getMetrics((exporter as RunningExporter).url);
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`vmpilot_domain_cpu_time_seconds_total{host="priv",domain="${NAME}"`));
    return {
      value: line ? Number(line.split(' ').pop()) : undefined,
      up: sampleValue(text, 'vmpilot_host_up{host="priv"}'),
    };
  }

  it('never decreases and keeps its labels', async () => {
    // Poll: on a loaded machine the first inline read of a TCG domain can take seconds,
    // and a freshly started guest may not have accumulated CPU time yet.
    const before = await pollUntil(
      async () => {
        const r = await cpuSeconds();
        return r.up === 1 && r.value !== undefined && r.value > 0 && r;
      },
      { what: "the domain's CPU time above 0 with host_up 1", timeoutMs: 60_000, intervalMs: 500 },
    );
    const d = daemon as PrivateLibvirtd;
    await d.stop();
    await d.start();
    const after = await pollUntil(
      async () => {
        const r = await cpuSeconds();
        return r.up === 1 && r.value !== undefined && r;
      },
      { what: 'host_up 1 and the CPU time after the restart', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(after.value).toBeGreaterThanOrEqual(before.value as number);
  }, 120_000);
});
