// `vmpilot hosts` end to end: runs the built CLI (bin/vmpilot.js → dist/, built by
// scripts/setup.sh) against libvirt's test driver and the shipped XML hosts, and checks
// that bad input ends with one clear line on stderr and a non-zero exit code.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describeError } from '../../autoscaler/cli/errors';
import { isHypervisorError } from '../../core/hypervisor/errors';
import { openLibvirt } from '../../core/libvirt/adapter';

// jest's per-project testTimeout is not applied (it is a global option): set it here.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/vmpilot.js');
const RACK_A = path.join(ROOT, 'test/fixtures/hosts/rack-a.xml');
const RACK_B = path.join(ROOT, 'test/fixtures/hosts/rack-b.xml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vmpilot(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface HostsJson {
  hosts: {
    name: string;
    uri: string;
    cpus: number;
    memoryBytes: number;
    vms: { name: string; uuid: string; state: string; vcpus: number; memoryBytes: number }[];
  }[];
}

/** Asserts the failure shape the CLI promises: exit ≠ 0, exactly one line on stderr, no stack. */
function expectOneLineFailure(r: Run, mentions: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^vmpilot: /);
  expect(lines[0]).toMatch(mentions);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('vmpilot hosts', () => {
  it('--connect sim://seed-experiment lists the SPEC §10 cluster: 3 × 8-core/2 GiB + 3 × 2-core/1 GiB, 18 VMs', async () => {
    const r = await vmpilot('hosts', '--connect', 'sim://seed-experiment', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as HostsJson;
    expect(data.hosts).toHaveLength(6);
    const shapes = data.hosts.map((h) => `${h.cpus}x${h.memoryBytes / 2 ** 30}`).sort();
    expect(shapes).toEqual(['2x1', '2x1', '2x1', '8x2', '8x2', '8x2']);
    const vms = data.hosts.flatMap((h) => h.vms);
    expect(vms).toHaveLength(18);
    expect(new Set(vms.map((v) => v.name)).size).toBe(18);
    expect(vms.every((v) => v.state === 'running' && v.vcpus > 0 && v.memoryBytes > 0)).toBe(true);
  });

  it('--connect test:///default --json prints the test domain in the SPEC §11 shape', async () => {
    const r = await vmpilot('hosts', '--connect', 'test:///default', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as HostsJson;
    expect(data.hosts).toHaveLength(1);
    expect(data.hosts[0]).toMatchObject({
      name: 'default',
      uri: 'test:///default',
      cpus: 16,
      memoryBytes: 3 * 2 ** 30,
    });
    expect(data.hosts[0].vms).toEqual([
      expect.objectContaining({
        name: 'test',
        uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
        state: 'running',
        vcpus: 2,
        memoryBytes: 2 * 2 ** 30,
      }),
    ]);
  });

  it('--connect test:///<shipped xml> lists that host and its domains', async () => {
    const r = await vmpilot('hosts', '--connect', `test://${RACK_A}`, '--json');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as HostsJson;
    expect(data.hosts.map((h) => h.name)).toEqual(['rack-a']);
    expect(data.hosts[0].vms.map((v) => `${v.name}:${v.state}:${v.vcpus}`)).toEqual([
      'batch-a1:running:1',
      'cache-a1:running:2',
      'db-a1:running:4',
      'idle-a1:shutoff:1',
      'web-a1:running:2',
      'web-a2:running:2',
    ]);
  });

  it('two URIs list two hosts; the table form shows them too', async () => {
    const json = await vmpilot(
      'hosts',
      '--connect',
      `test://${RACK_A}`,
      '--connect',
      `test://${RACK_B}`,
      '--json',
    );
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as HostsJson;
    expect(data.hosts.map((h) => [h.name, h.cpus, h.vms.length])).toEqual([
      ['rack-a', 16, 6],
      ['rack-b', 4, 3],
    ]);
    const table = await vmpilot('hosts', '-c', `test://${RACK_A}`, '-c', `b=test://${RACK_B}`);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^rack-a .*16 CPUs/m);
    expect(table.stdout).toMatch(/^b .*4 CPUs/m);
    expect(table.stdout).toMatch(/^\s+queue-b1\s+running/m);
  });

  it('an unknown URI scheme fails with one line naming the URI', async () => {
    expectOneLineFailure(
      await vmpilot('hosts', '--connect', 'foo://x'),
      /unknown hypervisor URI "foo:\/\/x"/,
    );
  });

  it('an unreachable libvirtd fails with one line naming the URI', async () => {
    const r = await vmpilot('hosts', '--connect', 'qemu+tcp://127.0.0.1:1/system', '--timeout', '5000');
    expectOneLineFailure(r, /qemu\+tcp:\/\/127\.0\.0\.1:1\/system.*\[unreachable\]/);
  });

  it('a missing XML host file fails with one line naming the file', async () => {
    const r = await vmpilot('hosts', '--connect', 'test:///nonexistent/dir/host.xml');
    expectOneLineFailure(r, /\/nonexistent\/dir\/host\.xml does not exist.*\[not_found\]/);
  });
});

describe('an unknown domain', () => {
  it('getVm rejects not_found, and the CLI would print one line naming it', async () => {
    const port = await openLibvirt(`test://${RACK_B}`);
    try {
      const err = await port.getVm({ host: 'rack-b', name: 'no-such-vm' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isHypervisorError(err, 'not_found')).toBe(true);
      const line = describeError(err);
      expect(line).toMatch(/no-such-vm/);
      expect(line).toMatch(/\[not_found\]$/);
      expect(line).not.toMatch(/\n/);
    } finally {
      await port.close();
    }
  });
});
