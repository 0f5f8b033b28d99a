// A VM's CPU cap in cores ↔ the CFS bandwidth the hypervisor port takes: quota per vCPU
// (libvirt's vcpu_quota, core/hypervisor/port.ts CpuCap), so a VM with n vCPUs and quota q
// over period p may use n·q/p cores.

/** Cores a cap allows a VM with `vcpus` vCPUs (Infinity: no cap). */
export function capCores(cap: { periodUs: number; quotaUs: number }, vcpus: number): number {
  if (!(cap.quotaUs > 0) || !(cap.periodUs > 0)) return Infinity;
  return (Math.max(1, vcpus) * cap.quotaUs) / cap.periodUs;
}

/** Per-vCPU quota (µs, at least the kernel's 1000) that lets the VM use `cores`. */
export function quotaForCores(cores: number, periodUs: number, vcpus: number): number {
  return Math.max(1000, Math.round((cores * periodUs) / Math.max(1, vcpus)));
}
