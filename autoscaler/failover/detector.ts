// Failed-host detection (issue 13 item 4): each check records, per host, whether the
// exporter says it is down (vmpilot_host_up 0 or missing, or its data stale) and whether a
// direct libvirt heartbeat failed. A host is failed when both said so in at least k of its
// last n checks. A partition only Prometheus sees (libvirt answers) or only vmpilot sees
// (the exporter still reports the host up) is never a failure.

export interface HostCheck {
  host: string;
  /** The exporter's view: vmpilot_host_up is 0 or missing, or the host's data is stale. */
  exporterDown: boolean;
  /** The direct libvirt heartbeat failed or timed out. */
  libvirtDown: boolean;
}

export class FailureDetector {
  private readonly windows = new Map<string, boolean[]>();

  constructor(
    private readonly k: number,
    private readonly n: number,
  ) {}

  /** Records one check of every host it names. */
  record(checks: readonly HostCheck[]): void {
    for (const c of checks) {
      const w = this.windows.get(c.host) ?? [];
      w.push(c.exporterDown && c.libvirtDown);
      while (w.length > this.n) w.shift();
      this.windows.set(c.host, w);
    }
  }

  /** Checks in the window in which both sources said the host is down. */
  downCount(host: string): number {
    return (this.windows.get(host) ?? []).filter(Boolean).length;
  }

  isFailed(host: string): boolean {
    return this.downCount(host) >= this.k;
  }

  failedHosts(): Set<string> {
    return new Set([...this.windows.keys()].filter((h) => this.isFailed(h)));
  }
}
