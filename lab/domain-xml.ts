// Domain XML of a lab guest: TCG, direct kernel boot of the lab image, a virtio balloon
// with 2-s stats, maxVcpus above the vCPUs for hot-plug, the serial console appended to a
// file in the shared dir (source and destination QEMU append to the same file, so the
// progress counter reads across a migration) and the virtio channel org.vmpilot.0.
// `no_timer_check`: on a loaded machine a TCG guest's boot-time IO-APIC timer check times
// out ("Kernel panic - not syncing: IO-APIC + timer doesn't work!", seen at load ~20 on
// 2 cores) and the guest reboots (panic=-1) — a boot loop that delays every lab suite.
import { PROGRESS_PORT } from './guest-init';
import type { GuestImage } from './image';
import { workloadCmdline, type Workload } from './workload';

export interface GuestSpec {
  name: string;
  vcpus: number;
  maxVcpus: number;
  memoryMiB: number;
  workload: Workload;
  /** Console log (progress lines), appended to. */
  serialLog: string;
  /** Host side of the virtio-serial port. */
  channelLog: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');

export function guestDomainXml(g: GuestSpec, image: Pick<GuestImage, 'kernel' | 'initrd'>): string {
  if (g.maxVcpus < g.vcpus) throw new Error(`${g.name}: maxVcpus ${g.maxVcpus} < vcpus ${g.vcpus}`);
  return `<domain type='qemu'>
  <name>${esc(g.name)}</name>
  <memory unit='MiB'>${g.memoryMiB}</memory>
  <currentMemory unit='MiB'>${g.memoryMiB}</currentMemory>
  <vcpu placement='static' current='${g.vcpus}'>${g.maxVcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${esc(image.kernel)}</kernel>
    <initrd>${esc(image.initrd)}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 no_timer_check ${workloadCmdline(g.workload)}</cmdline>
  </os>
  <features><acpi/><tcg><tb-cache unit='MiB'>32</tb-cache></tcg></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='${esc(g.serialLog)}' append='on'/>
      <target port='0'/>
    </serial>
    <console type='file'>
      <source path='${esc(g.serialLog)}' append='on'/>
      <target type='serial' port='0'/>
    </console>
    <channel type='file'>
      <source path='${esc(g.channelLog)}' append='on'/>
      <target type='virtio' name='${PROGRESS_PORT}'/>
    </channel>
    <interface type='ethernet'><model type='virtio'/></interface>
    <memballoon model='virtio'><stats period='2'/></memballoon>
  </devices>
</domain>
`;
}
