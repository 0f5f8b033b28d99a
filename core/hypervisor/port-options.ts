// Options every hypervisor adapter takes when it opens a port. Each adapter adds its own
// (`SimPortOptions` in core/sim/adapter.ts, `LibvirtPortOptions` in core/libvirt/adapter.ts).
// This file is apart from connect.ts so the adapters need not import the module that opens
// them (no import cycle, see README.md "Layering").

export interface PortOptions {
  /** Deadline for calls that do not pass their own `timeoutMs`. Default 10 s. */
  defaultTimeoutMs?: number;
  /** Clock in ms since the epoch; the simulator advances its model to it. Default Date.now. */
  clock?: () => number;
  /** Host name chosen with `NAME=URI`, if any. */
  hostName?: string;
}
