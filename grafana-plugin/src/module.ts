import { PanelPlugin } from '@grafana/data';
import { DEFAULT_OPTIONS, type VmpilotOptions } from './types';
import { VmpilotPanel } from './components/VmpilotPanel';

export const plugin = new PanelPlugin<VmpilotOptions>(VmpilotPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'view',
      name: 'View',
      description:
        'VM points (query vmpilot_vm_points), tuning events / migration timelines (query GET /api/v1/events), or the cluster (all of them, plus the memory query)',
      defaultValue: DEFAULT_OPTIONS.view,
      settings: {
        options: [
          { value: 'points', label: 'VM points' },
          { value: 'events', label: 'Tuning events' },
          { value: 'migrations', label: 'Migration timelines' },
          { value: 'cluster', label: 'Cluster' },
        ],
      },
    })
    .addTextInput({
      path: 'hosts',
      name: 'Hosts',
      description: 'Comma-separated host names to show; empty shows every host',
      defaultValue: DEFAULT_OPTIONS.hosts,
    })
    .addRadio({
      path: 'colorScheme',
      name: 'Colour scheme',
      defaultValue: DEFAULT_OPTIONS.colorScheme,
      settings: {
        options: [
          { value: 'classic', label: 'Theme colours' },
          { value: 'colorblind', label: 'Colour-blind safe' },
        ],
      },
    })
    .addNumberInput({
      path: 'hotspotPoints',
      name: 'Hotspot at (points)',
      description:
        'Cluster view: a host whose VMs sum to this many points of one resource is marked (100 = the whole host)',
      defaultValue: DEFAULT_OPTIONS.hotspotPoints,
      settings: { min: 1, max: 100 },
      showIf: (o) => o.view === 'cluster',
    })
    .addNumberInput({
      path: 'fadeMinutes',
      name: 'Recent moves (minutes)',
      description: 'Cluster view: how long a finished migration stays drawn, fading',
      defaultValue: DEFAULT_OPTIONS.fadeMinutes,
      settings: { min: 0 },
      showIf: (o) => o.view === 'cluster',
    })
    .addTextInput({
      path: 'memoryRefId',
      name: 'Memory query',
      description:
        'Cluster view: refId of the query giving each VM’s memory in bytes, e.g. sum by (host, domain) (vmpilot_domain_memory_balloon_maximum_bytes)',
      defaultValue: DEFAULT_OPTIONS.memoryRefId,
      showIf: (o) => o.view === 'cluster',
    })
);
