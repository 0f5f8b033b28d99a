import { FieldConfigProperty, PanelPlugin } from '@grafana/data';
import { DEFAULT_OPTIONS, type VmpilotOptions } from './types';
import { VmpilotPanel } from './components/VmpilotPanel';
import { DEFAULT_DECIMALS, DEFAULT_THRESHOLDS, DEFAULT_UNIT } from './data/points-display';

const showsVms = (o: VmpilotOptions) => o.view === 'points' || o.view === 'cluster';

export const plugin = new PanelPlugin<VmpilotOptions>(VmpilotPanel)
  // Grafana's standard field options, for the points (the values the panel draws): unit and
  // decimals of the numbers shown, max = a full bar in the points view, thresholds = the
  // cluster view's VM colours. The others mean nothing for these views.
  .useFieldConfig({
    standardOptions: {
      [FieldConfigProperty.Unit]: { defaultValue: DEFAULT_UNIT },
      [FieldConfigProperty.Decimals]: { defaultValue: DEFAULT_DECIMALS },
      [FieldConfigProperty.Thresholds]: { defaultValue: DEFAULT_THRESHOLDS },
    },
    disableStandardOptions: [
      FieldConfigProperty.Min,
      FieldConfigProperty.FieldMinMax,
      FieldConfigProperty.NoValue,
      FieldConfigProperty.DisplayName,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.Links,
      FieldConfigProperty.Actions,
      FieldConfigProperty.Color,
      FieldConfigProperty.Filterable,
    ],
  })
  .setPanelOptions((builder) =>
    builder
      .addRadio({
        path: 'view',
        name: 'View',
        description:
          'VM points (query vmpilot_vm_points; priority and service level from their queries), tuning events / migration timelines (query GET /api/v1/events), or the cluster (all of them, plus the memory query)',
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
      .addRadio({
        path: 'sortBy',
        name: 'Sort VMs by',
        description: 'Points view: total points (most first) or priority (most important class first, then weight)',
        defaultValue: DEFAULT_OPTIONS.sortBy,
        settings: {
          options: [
            { value: 'points', label: 'Points' },
            { value: 'priority', label: 'Priority' },
          ],
        },
        showIf: (o) => o.view === 'points',
      })
      .addRadio({
        path: 'clusterColor',
        name: 'Colour VMs by',
        description:
          'Cluster view: total points (the thresholds in the field options) or service level (the service level query; its bands are the thresholds of a field override on that query, default red below 0.5 and green from 0.5)',
        defaultValue: DEFAULT_OPTIONS.clusterColor,
        settings: {
          options: [
            { value: 'points', label: 'Points' },
            { value: 'serviceLevel', label: 'Service level' },
          ],
        },
        showIf: (o) => o.view === 'cluster',
      })
      .addTextInput({
        path: 'priorityRefId',
        name: 'Priority query',
        description: 'refId of the query giving each VM’s priority: vmpilot_vm_priority (labels host, domain, class)',
        defaultValue: DEFAULT_OPTIONS.priorityRefId,
        showIf: showsVms,
      })
      .addTextInput({
        path: 'serviceLevelRefId',
        name: 'Service level query',
        description:
          'refId of the query giving each VM’s service level: vmpilot_vm_service_level (labels host, domain)',
        defaultValue: DEFAULT_OPTIONS.serviceLevelRefId,
        showIf: showsVms,
      })
  );
