// The config files of one lab host's libvirtd (pure text). TCP without authentication is
// for this lab only: it listens on an address that exists only inside the lab's namespaces.
import type { LabHostSpec } from './topology';

export function libvirtdConf(h: LabHostSpec, hostUuid: string): string {
  return [
    `host_uuid = "${hostUuid}"`,
    'listen_tls = 0',
    'listen_tcp = 1',
    `listen_addr = "${h.address}"`,
    `tcp_port = "${h.tcpPort}"`,
    'auth_tcp = "none"',
    '',
  ].join('\n');
}

export function qemuConf(h: LabHostSpec): string {
  return [
    // QEMU's output to a file: no virtlogd per host.
    'stdio_handler = "file"',
    'security_driver = "none"',
    // The image and log files are shared by both hosts: never restore their owner.
    'remember_owner = 0',
    'namespaces = [ ]',
    `migration_address = "${h.address}"`,
    `migration_host = "${h.address}"`,
    `migration_port_min = ${h.migrationPorts[0]}`,
    `migration_port_max = ${h.migrationPorts[1]}`,
    '',
  ].join('\n');
}

/** The namespace's own /etc/hosts: without it every name lookup there waits ~4 s. */
export function etcHosts(hosts: readonly LabHostSpec[]): string {
  return ['127.0.0.1 localhost', ...hosts.map((h) => `${h.address} ${h.name}`), ''].join('\n');
}

/**
 * A status file for a domain whose QEMU is gone. libvirtd reads the highest domain ID of
 * its status files at start-up and hands out IDs above it (then drops the dead domain):
 * this is how a host's ID counter starts at `firstDomainId`, so the two hosts, which share
 * one cgroup tree named by domain ID, never give a migrating guest the same ID twice.
 */
export function idOffsetStatusXml(h: LabHostSpec): string {
  const id = h.firstDomainId - 1;
  // The PID cannot exist (above any pid_max), so reconnecting fails harmlessly.
  return `<domstatus state='running' reason='booted' pid='2147483646'>
  <monitor path='/nonexistent/lab-id-offset.monitor' type='unix'/>
  <domain type='qemu' id='${id}'>
    <name>lab-id-offset</name>
    <uuid>00000000-0000-4000-8000-${String(id).padStart(12, '0')}</uuid>
    <memory unit='MiB'>16</memory>
    <vcpu>1</vcpu>
    <os><type arch='x86_64' machine='pc'>hvm</type></os>
    <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
  </domain>
</domstatus>
`;
}
