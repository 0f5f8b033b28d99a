/** Which of the three views the panel shows. */
export type PanelView = 'points' | 'events' | 'migrations';

/** Colours of the resources (points view) and of event kinds. */
export type ColorScheme = 'classic' | 'colorblind';

export interface VmpilotOptions {
  view: PanelView;
  /** Comma-separated host names to show; empty = every host. */
  hosts: string;
  colorScheme: ColorScheme;
}

export const RESOURCES = ['cpu', 'mem', 'disk', 'net'] as const;
export type Resource = (typeof RESOURCES)[number];
