// The vmpilot panel: four views over the same data (panel option `view`).
import React from 'react';
import { css } from '@emotion/css';
import type { PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { DEFAULT_OPTIONS, type VmpilotOptions } from '../types';
import { pointsFromFrames } from '../data/points';
import { eventsFromFrames, migrationsFromEvents } from '../data/events';
import { clusterFromFrames } from '../data/cluster';
import { sortByPriority, vmExtrasFromFrames } from '../data/vm-series';
import { pointsDisplay } from '../data/points-display';
import { levelDisplay } from '../data/level-display';
import { PointsView } from './PointsView';
import { EventsView } from './EventsView';
import { MigrationsView } from './MigrationsView';
import { ClusterView } from './ClusterView';

type Props = Pick<
  PanelProps<VmpilotOptions>,
  'id' | 'data' | 'options' | 'width' | 'height' | 'timeRange' | 'timeZone' | 'fieldConfig'
>;

const EMPTY: Record<VmpilotOptions['view'], string> = {
  points:
    'No VM points: query vmpilot_vm_points (labels host, domain, resource); priority and service level from queries with the refIds in the panel options.',
  events: 'No tuning events: query the autoscaler’s GET /api/v1/events through a JSON data source.',
  migrations: 'No migrations in the events of this time range.',
  cluster: 'No VMs: query vmpilot_vm_points (and the VMs’ memory, refId set in the panel options).',
};

const getStyles = () => ({
  panel: css({ overflow: 'hidden' }),
});

export function VmpilotPanel({ id, data, options: given, width, height, timeRange, timeZone, fieldConfig }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  // A dashboard saved before an option existed has no value for it.
  const options = { ...DEFAULT_OPTIONS, ...given };
  const fromMs = timeRange.from.valueOf();
  const toMs = timeRange.to.valueOf();
  let body: React.ReactNode = null;
  let empty = false;
  const extras = () => vmExtrasFromFrames(data.series, options);
  // Grafana applied the field config to the fields; the panel applies it for hosts that did not.
  const display = () => pointsDisplay(data.series, fieldConfig);
  if (options.view === 'points') {
    const byPoints = pointsFromFrames(data.series, options.hosts);
    const vmExtras = extras();
    const rows = options.sortBy === 'priority' ? sortByPriority(byPoints, vmExtras) : byPoints;
    empty = rows.length === 0;
    body = (
      <PointsView
        rows={rows}
        extras={vmExtras}
        display={display()}
        width={width}
        height={height}
        colorScheme={options.colorScheme}
      />
    );
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
          timeZone={timeZone}
          colorScheme={options.colorScheme}
        />
      );
    } else if (options.view === 'migrations') {
      const bars = migrationsFromEvents(events);
      empty = bars.length === 0;
      body = (
        <MigrationsView
          bars={bars}
          width={width}
          height={height}
          fromMs={fromMs}
          toMs={toMs}
          nowMs={toMs}
          timeZone={timeZone}
        />
      );
    } else {
      const model = clusterFromFrames(data.series, events, {
        nowMs: toMs,
        hotspotPoints: options.hotspotPoints,
        fadeMs: options.fadeMinutes * 60_000,
        memoryRefId: options.memoryRefId,
        hosts: options.hosts,
      });
      empty = model.hosts.length === 0;
      body = (
        <ClusterView
          model={model}
          events={events}
          width={width}
          height={height}
          timeZone={timeZone}
          colorScheme={options.colorScheme}
          extras={extras()}
          display={display()}
          colorBy={options.clusterColor}
          level={levelDisplay(data.series, fieldConfig, options.serviceLevelRefId, theme)}
        />
      );
    }
  }
  if (empty) {
    return (
      <div data-testid="vmpilot-empty">
        <PanelDataErrorView panelId={id} data={data} fieldConfig={fieldConfig} message={EMPTY[options.view]} />
      </div>
    );
  }
  return (
    <div data-testid="vmpilot-panel" data-view={options.view} className={styles.panel} style={{ width, height }}>
      {body}
    </div>
  );
}
