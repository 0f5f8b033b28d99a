// What the simulated hypervisor reports about memory, in one place: the sim adapter's
// getHostInfo / getStats (core/sim/adapter.ts) and the simulator's own snapshot
// (core/sim/snapshot.ts) read these, so a simulation's planner sees the same free memory and
// balloon statistics the production service gets from the port (and the Prometheus source
// from the exporter).
import type { BalloonStat } from '../hypervisor/port';
import type { SimCluster, SimVm } from './model';

/** A host's free memory as the port reports it: never negative, like a real host's MemFree. */
export function reportedFreeMemory(model: SimCluster, host: string): number {
  return Math.max(0, model.freeMemory(host));
}

/** The balloon statistics of a VM as the port reports them (virDomainMemoryStats). */
export function balloonReading(v: SimVm): BalloonStat {
  const inRam = Math.min(v.last.workingSetBytes, v.balloonBytes);
  return {
    currentBytes: v.balloonBytes,
    maximumBytes: v.maxMemoryBytes,
    availableBytes: v.balloonBytes,
    unusedBytes: Math.max(0, v.balloonBytes - inRam),
    usableBytes: Math.max(0, v.balloonBytes - inRam),
    rssBytes: v.state === 'shutoff' ? 0 : v.state === 'paused' ? v.balloonBytes : inRam,
  };
}
