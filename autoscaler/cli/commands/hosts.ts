// `vmpilot hosts --connect URI… [--json]`: list hosts and their VMs (a smoke test of the port).
import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../../../core/cli/duration';
import { connectHypervisors } from '../../../core/hypervisor/connect';
import type { HypervisorPort } from '../../../core/hypervisor/port';

export interface HostsJson {
  hosts: {
    name: string;
    uri: string;
    cpus: number;
    mhz: number;
    memoryBytes: number;
    vms: {
      name: string;
      uuid: string;
      state: string;
      vcpus: number;
      memoryBytes: number;
      maxMemoryBytes: number;
    }[];
  }[];
}

export async function listCluster(port: HypervisorPort, timeoutMs: number): Promise<HostsJson> {
  const hosts = await port.listHosts({ timeoutMs });
  const out: HostsJson = { hosts: [] };
  for (const h of hosts) {
    const vms = await port.listVms(h.name, { timeoutMs });
    out.hosts.push({
      name: h.name,
      uri: h.uri,
      cpus: h.cpus,
      mhz: h.mhz,
      memoryBytes: h.memoryBytes,
      vms: vms
        .map((v) => ({
          name: v.name,
          uuid: v.uuid,
          state: v.state,
          vcpus: v.vcpus,
          memoryBytes: v.memoryBytes,
          maxMemoryBytes: v.maxMemoryBytes,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    });
  }
  return out;
}

const mib = (b: number) => `${Math.round(b / 1048576)} MiB`;

export function formatHosts(data: HostsJson): string {
  const lines: string[] = [];
  for (const h of data.hosts) {
    lines.push(
      `${h.name}  ${h.uri}  ${h.cpus} CPUs${h.mhz ? ` @ ${h.mhz} MHz` : ''}  ${mib(h.memoryBytes)}  ${h.vms.length} VMs`,
    );
    const w = Math.max(4, ...h.vms.map((v) => v.name.length));
    for (const v of h.vms) {
      lines.push(
        `  ${v.name.padEnd(w)}  ${v.state.padEnd(8)}  ${String(v.vcpus).padStart(2)} vCPU  ${mib(v.memoryBytes)}`,
      );
    }
  }
  return lines.join('\n');
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** `--timeout`: any duration (5s, 1m30s); a bare number keeps its old meaning, milliseconds. */
function timeoutMs(v: string): number {
  try {
    const ms = parseDuration(v, { bareUnit: 'ms' });
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('expected a duration greater than 0 (e.g. 10s, 500ms; a bare number is ms)');
}

export function register(program: Command): void {
  program
    .command('hosts')
    .description('list hosts and VMs (state, vCPUs, memory) behind one or more hypervisor URIs')
    .requiredOption(
      '-c, --connect <uri>',
      'hypervisor URI, repeatable: test:///default, test:///abs/host.xml, qemu:///system, qemu+ssh://host/system, sim://SCENARIO; prefix NAME= to name the host',
      collect,
    )
    .option('--json', 'print JSON ({"hosts":[{name,uri,cpus,memoryBytes,vms:[…]}]})')
    .option('--timeout <duration>', 'deadline of each hypervisor call (default 10s)', timeoutMs, 10000)
    .action(async (opts: { connect: string[]; json?: boolean; timeout: number }) => {
      // Listing only reads: libvirt's read-only socket is enough (no libvirt group needed).
      const port = await connectHypervisors(opts.connect, { defaultTimeoutMs: opts.timeout, readOnly: true });
      try {
        const data = await listCluster(port, opts.timeout);
        process.stdout.write(opts.json ? `${JSON.stringify(data, null, 2)}\n` : `${formatHosts(data)}\n`);
      } finally {
        await port.close();
      }
    });
}
