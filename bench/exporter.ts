// `npm run bench -- exporter [--domains 200] [--scrapes 20] [--paced 10] [--test-domains 1000] [--no-running]`
//
// Side by side on the same libvirtd, in the same run: vmpilot's exporter against Debian's
// prometheus-libvirt-exporter (kumina), both scraping N real diskless TCG domains on
// qemu:///system that this bench starts (paused after start, names `exporter-bench-*`,
// destroyed at the end). Then ours alone on a generated test-driver host of 1,000
// domains. Also: the cost of each libvirt stat group at N domains (why slow groups are read
// in the background), and, unless --no-running, a few scrapes with the guests running.
// Human lines first; the last line is one JSON object {"bench":"exporter",…}.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectHypervisors } from '../core/hypervisor/connect';
import type { StatGroup } from '../core/hypervisor/port';
import { findBinary, freePort } from '../core/procs/prometheus';
import { testDriverHostXml } from './lib/generated-host';
import { retry, settledPool } from './lib/pool';

const run = promisify(execFile);
const PREFIX = 'exporter-bench-';
const URI = 'qemu:///system';
const PEER = 'prometheus-libvirt-exporter';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const DOMAINS = arg('domains', 200);
const SCRAPES = arg('scrapes', 20);
const TEST_DOMAINS = arg('test-domains', 1000);
const RUNNING = !process.argv.includes('--no-running');
const PACED = arg('paced', 10);

const say = (l: string) => process.stdout.write(`${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const virsh = async (...a: string[]) => (await run('virsh', ['-c', URI, ...a], { timeout: 120_000 })).stdout;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs: number[]) => quantile(xs, 0.5);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function ensureLibvirtd(): Promise<void> {
  try {
    await virsh('uri');
    return;
  } catch {
    // start below
  }
  mkdirSync('/var/log/libvirt/qemu', { recursive: true });
  const running = async (n: string) =>
    run('pgrep', ['-x', n]).then(
      () => true,
      () => false,
    );
  if (!(await running('virtlogd'))) await run('virtlogd', ['-d']);
  if (!(await running('libvirtd'))) await run('libvirtd', ['-d']);
  for (let i = 0; i < 120; i++) {
    if (
      await virsh('uri').then(
        () => true,
        () => false,
      )
    )
      return;
    await sleep(250);
  }
  throw new Error('libvirtd does not answer on qemu:///system');
}

function domainXml(name: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>16</memory>
  <currentMemory unit='MiB'>16</currentMemory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='ethernet'><model type='virtio'/></interface>
    <memballoon model='virtio'><stats period='5'/></memballoon>
  </devices>
</domain>
`;
}

async function benchDomains(): Promise<string[]> {
  const out = await virsh('list', '--all', '--name');
  return out
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(PREFIX));
}

async function cleanup(): Promise<void> {
  const names = await benchDomains();
  await settledPool(names, 4, async (n) => {
    await virsh('destroy', n).catch(() => undefined);
    await virsh('undefine', n).catch(() => undefined);
  });
}

async function startDomains(dir: string, n: number): Promise<void> {
  const names = Array.from({ length: n }, (_, i) => `${PREFIX}${String(i).padStart(4, '0')}`);
  const t0 = Date.now();
  await settledPool(names, 4, async (name) => {
    const file = path.join(dir, `${name}.xml`);
    writeFileSync(file, domainXml(name));
    // transient: gone once destroyed. A failed create is retried after removing what it left.
    await retry(
      `virsh create ${name}`,
      3,
      () => virsh('create', file),
      () => virsh('destroy', name).then(() => undefined),
    );
    await virsh('suspend', name);
  });
  say(`started and paused ${n} diskless TCG domains in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function spawnGroup(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  return child;
}
function killGroup(c: ChildProcess): void {
  if (c.pid && c.exitCode === null) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

async function scrape(url: string): Promise<{ seconds: number; body: string }> {
  const t0 = performance.now();
  const r = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  const body = await r.text();
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return { seconds: (performance.now() - t0) / 1000, body };
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const series = (body: string, prefix: string) => body.split('\n').filter((l) => l.startsWith(prefix)).length;
const families = (body: string, prefix: string) =>
  new Set(
    body
      .split('\n')
      .filter((l) => l.startsWith(`# TYPE ${prefix}`))
      .map((l) => l.split(' ')[2]),
  );

/** kumina family → the vmpilot family that carries the same information. */
const KUMINA_TO_OURS: Record<string, string> = {
  libvirt_up: 'vmpilot_host_up',
  libvirt_domains_number: 'vmpilot_host_domains',
  libvirt_domain_state_code: 'vmpilot_domain_state',
  libvirt_domain_info_maximum_memory_bytes: 'vmpilot_domain_memory_balloon_maximum_bytes',
  libvirt_domain_info_memory_usage_bytes: 'vmpilot_domain_memory_balloon_current_bytes',
  libvirt_domain_info_virtual_cpus: 'vmpilot_domain_vcpus',
  libvirt_domain_info_cpu_time_seconds_total: 'vmpilot_domain_cpu_time_seconds_total',
  libvirt_domain_block_stats_read_bytes_total: 'vmpilot_domain_block_read_bytes_total',
  libvirt_domain_block_stats_read_requests_total: 'vmpilot_domain_block_read_requests_total',
  libvirt_domain_block_stats_write_bytes_total: 'vmpilot_domain_block_write_bytes_total',
  libvirt_domain_block_stats_write_requests_total: 'vmpilot_domain_block_write_requests_total',
  libvirt_domain_interface_stats_receive_bytes_total: 'vmpilot_domain_network_receive_bytes_total',
  libvirt_domain_interface_stats_receive_packets_total: 'vmpilot_domain_network_receive_packets_total',
  libvirt_domain_interface_stats_receive_errors_total: 'vmpilot_domain_network_receive_errors_total',
  libvirt_domain_interface_stats_receive_drops_total: 'vmpilot_domain_network_receive_drops_total',
  libvirt_domain_interface_stats_transmit_bytes_total: 'vmpilot_domain_network_transmit_bytes_total',
  libvirt_domain_interface_stats_transmit_packets_total: 'vmpilot_domain_network_transmit_packets_total',
  libvirt_domain_interface_stats_transmit_errors_total: 'vmpilot_domain_network_transmit_errors_total',
  libvirt_domain_interface_stats_transmit_drops_total: 'vmpilot_domain_network_transmit_drops_total',
};

interface Side {
  name: string;
  url: string;
  pid: number;
  times: number[];
  last: string;
}

/**
 * n scrapes of `first`, then n of `second` (back to back). Not interleaved on purpose: our
 * exporter starts a background read after each scrape, which would otherwise load libvirtd
 * during the peer's scrapes. Measured peer first, so it runs on an idle libvirtd, while our
 * scrapes overlap our own background reads (the worst case for us).
 */
async function scrapeSeries(first: Side, second: Side, n: number): Promise<void> {
  for (const s of [first, second]) {
    for (let i = 0; i < n; i++) {
      const r = await scrape(s.url);
      s.times.push(r.seconds);
      s.last = r.body;
    }
  }
}

async function groupCosts(): Promise<Record<string, number>> {
  const port = await connectHypervisors([URI], { defaultTimeoutMs: 120_000 });
  const out: Record<string, number> = {};
  try {
    const [host] = await port.listHosts();
    const groups: StatGroup[] = ['state', 'cpu', 'net', 'perf', 'balloon', 'block', 'vcpu', 'dirtyrate'];
    for (const g of groups) {
      const ts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await port.getStats(host.name, { groups: [g] });
        ts.push((performance.now() - t0) / 1000);
      }
      out[g] = r3(median(ts));
    }
  } finally {
    await port.close();
  }
  return out;
}

async function startOurs(uri: string): Promise<Side & { child: ChildProcess }> {
  const port = await freePort();
  const entry = path.join(__dirname, '..', 'exporter', 'main.js');
  const child = spawnGroup(process.execPath, [
    entry,
    '--connect',
    uri,
    '--listen',
    `127.0.0.1:${port}`,
    '--log-level',
    'warn',
  ]);
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { name: 'vmpilot', url, pid: child.pid ?? 0, times: [], last: '', child };
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-bench-exporter-'));
  const result: Record<string, unknown> = { bench: 'exporter', domains: DOMAINS, scrapes: SCRAPES };
  try {
    if (!findBinary(PEER)) throw new Error(`${PEER} not found: apt-get install ${PEER}`);
    await ensureLibvirtd();
    await cleanup();
    await startDomains(dir, DOMAINS);

    const costs = await groupCosts();
    say(
      `stat group cost at ${DOMAINS} paused domains (one bulk call, median of 3, s): ${JSON.stringify(costs)}`,
    );
    result.group_cost_s = costs;

    const ours = await startOurs(URI);
    children.push(ours.child);
    const peerPort = await freePort();
    const peerChild = spawnGroup(findBinary(PEER) as string, [
      `--web.listen-address=127.0.0.1:${peerPort}`,
      `--libvirt.uri=${URI}`,
    ]);
    children.push(peerChild);
    const peer: Side = {
      name: 'kumina',
      url: `http://127.0.0.1:${peerPort}/metrics`,
      pid: peerChild.pid ?? 0,
      times: [],
      last: '',
    };
    await waitHttp(`http://127.0.0.1:${peerPort}/`);
    // Warm-up: our first scrape also waits for the background read of the slow groups.
    const warm = await scrape(ours.url);
    await scrape(peer.url);
    say(`first scrape of ours (includes the first background read): ${warm.seconds.toFixed(3)} s`);
    await scrapeSeries(peer, ours, SCRAPES);

    const ourFamilies = families(ours.last, 'vmpilot_');
    const theirFamilies = [...families(peer.last, 'libvirt_')];
    const missing = theirFamilies.filter((f) => !KUMINA_TO_OURS[f] || !ourFamilies.has(KUMINA_TO_OURS[f]));
    const extra = [
      'vmpilot_domain_memory_balloon_current_bytes',
      'vmpilot_domain_vcpu_time_seconds_total',
    ].filter((f) => !ourFamilies.has(f));
    const oursRss = rssBytes(ours.pid);
    const peerRss = rssBytes(peer.pid);
    for (const s of [ours, peer]) {
      const prefix = s === ours ? 'vmpilot_' : 'libvirt_';
      say(
        `${s.name.padEnd(8)} ${DOMAINS} domains: median ${median(s.times).toFixed(3)} s, p99 ${quantile(s.times, 0.99).toFixed(3)} s, ` +
          `series ${series(s.last, prefix)}, RSS ${(rssBytes(s.pid) / 1048576).toFixed(1)} MiB`,
      );
    }
    const ratio = median(ours.times) / median(peer.times);
    const bgRead = /vmpilot_scrape_collector_duration_seconds\{[^}]*collector="memory"\} (\S+)/.exec(
      ours.last,
    );
    const bgReadS = bgRead ? Number(bgRead[1]) : NaN;
    say(
      `our background read of the slow groups (cpu, balloon, block, vcpu, net, dirtyrate): ${bgReadS.toFixed(3)} s`,
    );
    result.ours_background_read_s = r3(bgReadS);
    // Paced like Prometheus at an interval longer than our background read: each scrape
    // starts after the previous background read finished (no self-contention).
    const paced: number[] = [];
    for (let i = 0; i < PACED; i++) {
      await sleep(Math.max(1000, bgReadS * 1000 * 1.5));
      paced.push((await scrape(ours.url)).seconds);
    }
    if (PACED > 0) {
      say(
        `vmpilot  ${DOMAINS} domains, paced (${PACED} scrapes, each after the background read finished): ` +
          `median ${median(paced).toFixed(3)} s, p99 ${quantile(paced, 0.99).toFixed(3)} s, ratio ${(median(paced) / median(peer.times)).toFixed(3)}`,
      );
      Object.assign(result, {
        ours_paced_median_s: r3(median(paced)),
        ours_paced_p99_s: r3(quantile(paced, 0.99)),
        paced_ratio: r3(median(paced) / median(peer.times)),
      });
    }
    say(`ratio ours/theirs (median): ${ratio.toFixed(3)} (target ≤ 0.25)`);
    say(
      missing.length === 0
        ? `kumina's ${theirFamilies.length} families all have a vmpilot counterpart`
        : `kumina families without a vmpilot counterpart: ${missing.join(', ')}`,
    );
    if (extra.length) say(`missing balloon/vCPU families: ${extra.join(', ')}`);
    Object.assign(result, {
      ours_median_s: r3(median(ours.times)),
      ours_p99_s: r3(quantile(ours.times, 0.99)),
      peer_median_s: r3(median(peer.times)),
      peer_p99_s: r3(quantile(peer.times, 0.99)),
      ratio: r3(ratio),
      ours_series: series(ours.last, 'vmpilot_'),
      peer_series: series(peer.last, 'libvirt_'),
      ours_rss_mb: r3(oursRss / 1048576),
      peer_rss_mb: r3(peerRss / 1048576),
      peer_families_covered: missing.length === 0,
      balloon_and_vcpu_published: extra.length === 0,
    });

    if (RUNNING) {
      const names = await benchDomains();
      await settledPool(names, 4, (n) => virsh('resume', n).then(() => undefined));
      await sleep(10_000);
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const o2: Side = { ...ours, times: [] };
      const p2: Side = { ...peer, times: [] };
      await scrapeSeries(p2, o2, 5);
      say(
        `guests running (load ${load}): ours median ${median(o2.times).toFixed(3)} s, kumina median ${median(p2.times).toFixed(3)} s, ` +
          `ratio ${(median(o2.times) / median(p2.times)).toFixed(3)} (5 scrapes each)`,
      );
      Object.assign(result, {
        running_ours_median_s: r3(median(o2.times)),
        running_peer_median_s: r3(median(p2.times)),
        running_load: Number(load),
      });
      await settledPool(names, 4, (n) => virsh('suspend', n).then(() => undefined));
    }
    killGroup(ours.child);
    killGroup(peerChild);
    await cleanup();

    // Ours alone on a generated test-driver host.
    const xml = path.join(dir, 'bench-1000.xml');
    writeFileSync(xml, testDriverHostXml(TEST_DOMAINS));
    const td = await startOurs(`test://${xml}`);
    children.push(td.child);
    await scrape(td.url);
    for (let i = 0; i < SCRAPES; i++) {
      const r = await scrape(td.url);
      td.times.push(r.seconds);
      td.last = r.body;
    }
    say(
      `vmpilot  ${TEST_DOMAINS} test-driver domains: median ${median(td.times).toFixed(3)} s, p99 ${quantile(td.times, 0.99).toFixed(3)} s, ` +
        `series ${series(td.last, 'vmpilot_')}, RSS ${(rssBytes(td.pid) / 1048576).toFixed(1)} MiB (target ≤ 0.150 s)`,
    );
    Object.assign(result, {
      test_domains: TEST_DOMAINS,
      test_median_s: r3(median(td.times)),
      test_p99_s: r3(quantile(td.times, 0.99)),
      test_rss_mb: r3(rssBytes(td.pid) / 1048576),
    });
  } finally {
    for (const c of children) killGroup(c);
    await cleanup().catch(() => undefined);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
  say(JSON.stringify(result));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench exporter: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
