// What `vmpilot lab` needs on the machine, checked before it touches anything: one clear
// line naming the first thing missing and the Debian package that provides it.
import { which } from './exec';

const TOOLS: readonly (readonly [string, string])[] = [
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  ['libvirtd', 'libvirt-daemon-driver-qemu'],
  ['virsh', 'libvirt-clients'],
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['apt-get', 'apt'],
  ['apt-cache', 'apt'],
  ['dpkg-deb', 'dpkg'],
  ['tar', 'tar'],
  ['gzip', 'gzip'],
];

/** Why the lab cannot run here, or null when it can. */
export function missingPrerequisite(): string | null {
  if (process.getuid?.() !== 0) return 'vmpilot lab must run as root (network namespaces, mounts, libvirtd)';
  for (const [tool, pkg] of TOOLS) {
    if (!which(tool)) return `vmpilot lab needs ${tool}, which is not installed (apt-get install ${pkg})`;
  }
  return null;
}
