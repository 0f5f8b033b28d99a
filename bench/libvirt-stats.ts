// Benchmark: one bulk getStats (virConnectGetAllDomainStats, all groups) on a libvirt
// test-driver host with 1,000 domains, through the whole adapter (FFI, typed-param
// decoding, mapping). `npm run bench -- libvirt-stats [domains] [rounds]`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLibvirt } from '../core/libvirt/adapter';

function hostXml(domains: number): string {
  const doms: string[] = [];
  for (let i = 0; i < domains; i++) {
    const id = i.toString(16).padStart(12, '0');
    doms.push(`  <domain type='test'>
    <name>bench-${i}</name>
    <uuid>6e0b1a3c-0000-4000-8000-${id}</uuid>
    <memory unit='MiB'>${1024 * (1 + (i % 4))}</memory>
    <vcpu>${1 + (i % 4)}</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>
      <disk type='file' device='disk'><source file='/img/bench-${i}.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <interface type='network'><source network='default'/></interface>
    </devices>
  </domain>`);
  }
  return `<node>
  <cpu><nodes>1</nodes><sockets>2</sockets><cores>32</cores><threads>2</threads><active>128</active><mhz>2600</mhz><model>x86_64</model></cpu>
  <memory>${1024 * 1024 * 1024}</memory>
${doms.join('\n')}
</node>
`;
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function main(): Promise<void> {
  const domains = Number(process.argv[2] ?? 1000);
  const rounds = Number(process.argv[3] ?? 20);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vmpilot-bench-libvirt-'));
  const file = path.join(dir, 'bench-host.xml');
  writeFileSync(file, hostXml(domains));
  const openStart = performance.now();
  const port = await openLibvirt(`test://${file}`, { defaultTimeoutMs: 60_000 });
  process.stdout.write(
    `opened test://${file} (${domains} domains) in ${((performance.now() - openStart) / 1000).toFixed(3)} s\n`,
  );
  try {
    const [host] = await port.listHosts();
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const stats = await port.getStats(host.name);
      times.push((performance.now() - t0) / 1000);
      if (stats.vms.length !== domains)
        throw new Error(`expected ${domains} VMs in the stats, got ${stats.vms.length}`);
    }
    const listStart = performance.now();
    const listed = await port.listVms(host.name);
    const listSeconds = (performance.now() - listStart) / 1000;
    process.stdout.write(
      `listVms (${listed.length} domains, one virDomainGetInfo each): ${listSeconds.toFixed(3)} s\n`,
    );
    const sorted = [...times].sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    const p95 = quantile(sorted, 0.95);
    process.stdout.write(
      `getStats (all groups, ${domains} domains) × ${rounds}: median ${median.toFixed(4)} s, p95 ${p95.toFixed(4)} s, min ${sorted[0].toFixed(4)} s, max ${sorted[sorted.length - 1].toFixed(4)} s\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'libvirt-stats', domains, rounds, median_s: Number(median.toFixed(5)), p95_s: Number(p95.toFixed(5)), list_vms_s: Number(listSeconds.toFixed(5)) })}\n`,
    );
  } finally {
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`libvirt-stats: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
