import { PanelPlugin } from '@grafana/data';
import type { VmpilotOptions } from './types';
import { VmpilotPanel } from './components/VmpilotPanel';

export const plugin = new PanelPlugin<VmpilotOptions>(VmpilotPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'view',
      name: 'View',
      description:
        'VM points (query vmpilot_vm_points), or tuning events / migration timelines (query GET /api/v1/events)',
      defaultValue: 'points',
      settings: {
        options: [
          { value: 'points', label: 'VM points' },
          { value: 'events', label: 'Tuning events' },
          { value: 'migrations', label: 'Migration timelines' },
        ],
      },
    })
    .addTextInput({
      path: 'hosts',
      name: 'Hosts',
      description: 'Comma-separated host names to show; empty shows every host',
      defaultValue: '',
    })
    .addRadio({
      path: 'colorScheme',
      name: 'Colour scheme',
      defaultValue: 'classic',
      settings: {
        options: [
          { value: 'classic', label: 'Theme colours' },
          { value: 'colorblind', label: 'Colour-blind safe' },
        ],
      },
    })
);
