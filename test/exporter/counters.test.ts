// Counters stay counters across a libvirtd restart: a real diskless TCG domain runs under a
// private libvirtd; its CPU-time counter, read through the exporter, never goes down when
// libvirtd is stopped and started again (QEMU and its cgroup outlive libvirtd, and the
// exporter reconnects), and the series keeps the same label set.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startExporter, type RunningExporter } from '../../exporter/server';
import {
  disklessDomainXml,
  missingLibvirtd,
  startPrivateLibvirtd,
  type PrivateLibvirtd,
} from '../helpers/libvirtd';
import { getMetrics, sampleValue } from './scrape-text';

const run = promisify(execFile);
const NAME = 'exporter-counters';

describe('counters across a libvirtd restart', () => {
  const why = missingLibvirtd();
  let daemon: PrivateLibvirtd | undefined;
  let exporter: RunningExporter | undefined;
  const virsh = (...a: string[]) =>
    run('virsh', ['-c', (daemon as PrivateLibvirtd).uri, ...a], { timeout: 60_000 });

  beforeAll(async () => {
    if (why) return;
    daemon = await startPrivateLibvirtd();
    const xml = path.join(tmpdir(), `${NAME}-${process.pid}.xml`);
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
    if (why) {
      console.warn(`real libvirtd unavailable (${why}): test skipped`);
      return;
    }
    // Poll: on a loaded machine the first inline read of a TCG domain can take seconds.
    const readWhenUp = async () => {
      let r: { value?: number; up?: number } = {};
      const until = Date.now() + 60_000;
      while (!(r.up === 1 && r.value !== undefined) && Date.now() < until) {
        r = await cpuSeconds();
        if (!(r.up === 1 && r.value !== undefined)) await new Promise((res) => setTimeout(res, 500));
      }
      return r;
    };
    const before = await readWhenUp();
    expect(before.up).toBe(1);
    expect(before.value).toBeGreaterThan(0);
    const d = daemon as PrivateLibvirtd;
    await d.stop();
    await d.start();
    const after = await readWhenUp();
    expect(after.up).toBe(1);
    expect(after.value).toBeGreaterThanOrEqual(before.value as number);
  }, 120_000);
});
