/** Which of the four views the panel shows. */
export type PanelView = 'points' | 'events' | 'migrations' | 'cluster';

/** Colours of the resources (points view) and of event kinds. */
export type ColorScheme = 'classic' | 'colorblind';

/** Points view: the order of the VMs. */
export type SortBy = 'points' | 'priority';

/** Cluster view: what a VM's colour says. */
export type ClusterColor = 'points' | 'serviceLevel';

export interface VmpilotOptions {
  view: PanelView;
  /** Comma-separated host names to show; empty = every host. */
  hosts: string;
  colorScheme: ColorScheme;
  /** Cluster view: summed points of one resource at which a host is marked a hotspot. */
  hotspotPoints: number;
  /** Cluster view: minutes a finished migration stays drawn, fading. */
  fadeMinutes: number;
  /** Cluster view: refId of the query giving each VM's memory in bytes (labels host, domain). */
  memoryRefId: string;
  /** Points view: by total points (most first) or by priority (most important first). */
  sortBy: SortBy;
  /** refId of the query giving each VM's priority (vmpilot_vm_priority{host,domain,class}). */
  priorityRefId: string;
  /** refId of the query giving each VM's service level (vmpilot_vm_service_level{host,domain}). */
  serviceLevelRefId: string;
  /**
   * Cluster view: colour VMs by points (the field config's thresholds) or by service level
   * (the thresholds of an override on the service level query; data/level-display.ts).
   */
  clusterColor: ClusterColor;
}

export const DEFAULT_OPTIONS: VmpilotOptions = {
  view: 'points',
  hosts: '',
  colorScheme: 'classic',
  hotspotPoints: 85,
  fadeMinutes: 10,
  memoryRefId: 'memory',
  sortBy: 'points',
  priorityRefId: 'priority',
  serviceLevelRefId: 'serviceLevel',
  clusterColor: 'points',
};

export const RESOURCES = ['cpu', 'mem', 'disk', 'net'] as const;
export type Resource = (typeof RESOURCES)[number];
