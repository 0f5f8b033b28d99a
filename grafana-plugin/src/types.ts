/** Which of the four views the panel shows. */
export type PanelView = 'points' | 'events' | 'migrations' | 'cluster';

/** Colours of the resources (points view) and of event kinds. */
export type ColorScheme = 'classic' | 'colorblind';

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
}

export const DEFAULT_OPTIONS: VmpilotOptions = {
  view: 'points',
  hosts: '',
  colorScheme: 'classic',
  hotspotPoints: 85,
  fadeMinutes: 10,
  memoryRefId: 'memory',
};

export const RESOURCES = ['cpu', 'mem', 'disk', 'net'] as const;
export type Resource = (typeof RESOURCES)[number];
