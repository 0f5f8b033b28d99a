// The vmpilot panel: three views over the same data (panel option `view`).
import React from 'react';
import type { PanelProps } from '@grafana/data';
import { useTheme2 } from '@grafana/ui';
import type { VmpilotOptions } from '../types';
import { pointsFromFrames } from '../data/points';
import { eventsFromFrames, migrationsFromEvents } from '../data/events';
import { PointsView } from './PointsView';
import { EventsView } from './EventsView';
import { MigrationsView } from './MigrationsView';

type Props = Pick<PanelProps<VmpilotOptions>, 'data' | 'options' | 'width' | 'height' | 'timeRange'>;

const EMPTY: Record<VmpilotOptions['view'], string> = {
  points: 'No VM points: query vmpilot_vm_points (labels host, domain, resource).',
  events: 'No tuning events: query the autoscaler’s GET /api/v1/events through a JSON data source.',
  migrations: 'No migrations in the events of this time range.',
};

export function VmpilotPanel({ data, options, width, height, timeRange }: Props) {
  const theme = useTheme2();
  const fromMs = timeRange.from.valueOf();
  const toMs = timeRange.to.valueOf();
  let body: React.ReactNode = null;
  let empty = false;
  if (options.view === 'points') {
    const rows = pointsFromFrames(data.series, options.hosts);
    empty = rows.length === 0;
    body = <PointsView rows={rows} width={width} height={height} colorScheme={options.colorScheme} />;
  } else {
    const events = eventsFromFrames(data.series, options.hosts);
    if (options.view === 'events') {
      empty = events.length === 0;
      body = (
        <EventsView
          events={events}
          width={width}
          height={height}
          fromMs={fromMs}
          toMs={toMs}
          colorScheme={options.colorScheme}
        />
      );
    } else {
      const bars = migrationsFromEvents(events);
      empty = bars.length === 0;
      body = <MigrationsView bars={bars} width={width} height={height} fromMs={fromMs} toMs={toMs} nowMs={toMs} />;
    }
  }
  if (empty) {
    return (
      <div data-testid="vmpilot-empty" style={{ padding: 8, color: theme.colors.text.secondary }}>
        {EMPTY[options.view]}
      </div>
    );
  }
  return (
    <div data-testid="vmpilot-panel" data-view={options.view} style={{ width, height, overflow: 'hidden' }}>
      {body}
    </div>
  );
}
