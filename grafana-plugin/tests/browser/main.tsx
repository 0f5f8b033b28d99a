// The browser test page: the panel component in Grafana's light and dark themes, fed
// fixed data frames, one container per case (no Grafana server exists on this machine).
// Grafana's boot data stub, as the live page has it (before @grafana/runtime reads it).
import '../../live/boot';
import '../../live/element-styles';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { LoadingState, ThemeContext, createTheme, type DataFrame, type FieldConfigSource } from '@grafana/data';
import { VmpilotPanel } from '../../src/components/VmpilotPanel';
import { DEFAULT_OPTIONS, type VmpilotOptions } from '../../src/types';
import { ThresholdsMode } from '@grafana/data';
import { eventsFrames, pointsFrames, pointsWith, timeRange, vmFrames } from './fixtures';
import { syntheticCluster } from '../../live/synthetic';

(window as unknown as { __grafana_public_path__: string }).__grafana_public_path__ = '/';

interface Case {
  id: string;
  mode: 'light' | 'dark';
  options: Pick<VmpilotOptions, 'view' | 'hosts' | 'colorScheme'> & Partial<VmpilotOptions>;
  series: DataFrame[];
  /** Panel height (default 220). */
  height?: number;
  /** The panel's field config (defaults and overrides), as a dashboard saves it. */
  fieldConfig?: FieldConfigSource;
}

const cases: Case[] = [
  {
    id: 'points-light',
    mode: 'light',
    options: { view: 'points', hosts: '', colorScheme: 'classic' },
    series: [...pointsFrames, ...vmFrames],
  },
  {
    id: 'points-priority',
    mode: 'dark',
    options: { view: 'points', hosts: '', colorScheme: 'classic', sortBy: 'priority' },
    series: [...pointsFrames, ...vmFrames],
  },
  {
    // The field config as Grafana applies it to the fields: unit, decimals, max.
    id: 'points-fieldconfig',
    mode: 'light',
    options: { view: 'points', hosts: '', colorScheme: 'classic' },
    series: pointsWith({ unit: 'percent', decimals: 0, max: 200 }),
  },
  {
    id: 'cluster-points',
    mode: 'dark',
    options: { view: 'cluster', hosts: '', colorScheme: 'classic' },
    series: [...pointsFrames, ...vmFrames],
    height: 300,
  },
  {
    id: 'cluster-thresholds',
    mode: 'light',
    options: { view: 'cluster', hosts: '', colorScheme: 'classic' },
    series: [
      ...pointsWith({
        thresholds: {
          mode: ThresholdsMode.Absolute,
          steps: [
            { value: -Infinity, color: 'blue' },
            { value: 50, color: 'purple' },
          ],
        },
      }),
      ...vmFrames,
    ],
    height: 300,
  },
  {
    id: 'cluster-service-level',
    mode: 'dark',
    options: { view: 'cluster', hosts: '', colorScheme: 'classic', clusterColor: 'serviceLevel' },
    series: [...pointsFrames, ...vmFrames],
    height: 300,
  },
  {
    // Service-level bands set as in any Grafana panel: a thresholds override on the query.
    id: 'cluster-level-thresholds',
    mode: 'light',
    options: { view: 'cluster', hosts: '', colorScheme: 'classic', clusterColor: 'serviceLevel' },
    series: [...pointsFrames, ...vmFrames],
    height: 300,
    fieldConfig: {
      defaults: {},
      overrides: [
        {
          matcher: { id: 'byFrameRefID', options: 'serviceLevel' },
          properties: [
            {
              id: 'thresholds',
              value: {
                mode: ThresholdsMode.Absolute,
                steps: [
                  { value: -Infinity, color: 'red' },
                  { value: 0.31, color: 'yellow' },
                  { value: 0.75, color: 'blue' },
                ],
              },
            },
          ],
        },
      ],
    },
  },
  {
    // The default service-level bands in the colour-blind scheme.
    id: 'cluster-level-colorblind',
    mode: 'dark',
    options: { view: 'cluster', hosts: '', colorScheme: 'colorblind', clusterColor: 'serviceLevel' },
    series: [...pointsFrames, ...vmFrames],
    height: 300,
  },
  {
    id: 'points-dark',
    mode: 'dark',
    options: { view: 'points', hosts: '', colorScheme: 'colorblind' },
    series: pointsFrames,
  },
  {
    id: 'points-kvm-a',
    mode: 'light',
    options: { view: 'points', hosts: 'kvm-a', colorScheme: 'classic' },
    series: pointsFrames,
  },
  {
    id: 'events-light',
    mode: 'light',
    options: { view: 'events', hosts: '', colorScheme: 'classic' },
    series: eventsFrames,
  },
  {
    id: 'migrations-dark',
    mode: 'dark',
    options: { view: 'migrations', hosts: '', colorScheme: 'classic' },
    series: eventsFrames,
  },
  {
    // 6 hosts (the demo's size): eight moves leave kvm-001 for the five others, their labels compete.
    id: 'cluster-6',
    mode: 'light',
    options: { view: 'cluster', hosts: '', colorScheme: 'classic' },
    series: syntheticCluster(6, 3, timeRange.to.valueOf(), 4),
    height: 300,
  },
  {
    // 100 hosts × 10 VMs (the benchmark's cluster), one migration running, a hotspot.
    id: 'cluster-100',
    mode: 'dark',
    options: { view: 'cluster', hosts: '', colorScheme: 'classic' },
    series: syntheticCluster(100, 10, timeRange.to.valueOf()),
    height: 400,
  },
  { id: 'empty', mode: 'light', options: { view: 'points', hosts: '', colorScheme: 'classic' }, series: [] },
];

function App() {
  return (
    <div>
      {cases.map((c) => {
        const theme = createTheme({ colors: { mode: c.mode } });
        return (
          <ThemeContext.Provider key={c.id} value={theme}>
            <section
              data-case={c.id}
              style={{
                // As a Grafana panel: its background and text colour (HTML children inherit it).
                background: theme.colors.background.primary,
                color: theme.colors.text.primary,
                padding: 8,
                width: 640,
                height: (c.height ?? 220) + 20,
              }}
            >
              <VmpilotPanel
                id={1}
                data={{ series: c.series, state: LoadingState.Done, timeRange }}
                options={{ ...DEFAULT_OPTIONS, ...c.options }}
                timeZone="utc"
                fieldConfig={c.fieldConfig ?? { defaults: {}, overrides: [] }}
                width={620}
                height={c.height ?? 220}
                timeRange={timeRange}
              />
            </section>
          </ThemeContext.Provider>
        );
      })}
    </div>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />);
