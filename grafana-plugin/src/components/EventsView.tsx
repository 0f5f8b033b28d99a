// Tuning events on the panel's time axis: one lane per kind (local, global, alert, operator), a
// marker per event coloured by kind; hovering a marker shows a @grafana/ui Tooltip with
// the reason and before/after. The kinds' colours have Grafana's VizLegend above the lanes.
import React, { useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { LegendDisplayMode, Tooltip, VizLegend, useStyles2, useTheme2 } from '@grafana/ui';
import type { ColorScheme } from '../types';
import type { PanelEvent } from '../data/events';
import { EVENT_KINDS, kindColor } from '../data/colors';
import { timeScale } from './time-axis';
import { TimeTicks } from './TimeTicks';

interface Props {
  events: PanelEvent[];
  width: number;
  height: number;
  fromMs: number;
  toMs: number;
  /** The dashboard's time zone (`browser`, `utc` or an IANA name). */
  timeZone: string;
  colorScheme: ColorScheme;
}

const KINDS: readonly string[] = EVENT_KINDS;
const LEFT = 70;
const AXIS = 20;
const LEGEND_HEIGHT = 26;

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ position: 'relative', display: 'flex', flexDirection: 'column' }),
  legend: css({ height: LEGEND_HEIGHT, overflow: 'hidden', display: 'flex', alignItems: 'center' }),
  tip: css({ fontSize: theme.typography.bodySmall.fontSize, lineHeight: 1.5, maxWidth: 320 }),
});

const brief = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v));

function EventTip({ e, timeZone }: { e: PanelEvent; timeZone: string }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.tip} data-testid="vmpilot-event-tooltip">
      <div>
        <strong>{e.action}</strong> {e.vm} on {e.host}
        {e.to ? ` → ${e.to}` : ''} ({e.result})
      </div>
      <div>{dateTimeFormat(e.timeMs, { timeZone })}</div>
      <div data-testid="vmpilot-event-reason">{e.reason}</div>
      <div>
        before: {brief(e.before)} · after: {brief(e.after)}
      </div>
    </div>
  );
}

export function EventsView({ events, width, height, fromMs, toMs, timeZone, colorScheme }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [hover, setHover] = useState<{ e: PanelEvent; x: number; y: number } | null>(null);
  const legendItems = KINDS.map((k) => ({ label: k, color: kindColor(theme, colorScheme, k), yAxis: 1 }));
  const svgHeight = height - LEGEND_HEIGHT;
  const scale = timeScale(fromMs, toMs, LEFT, width - 10, timeZone);
  const lane = Math.max(14, (svgHeight - AXIS) / KINDS.length);
  const inRange = events.filter((e) => e.timeMs >= fromMs && e.timeMs <= toMs);
  return (
    <div className={styles.root} style={{ width, height }}>
      <div className={styles.legend} data-testid="vmpilot-events-legend">
        <VizLegend items={legendItems} displayMode={LegendDisplayMode.List} placement="bottom" readonly />
      </div>
      <svg width={width} height={svgHeight} data-testid="vmpilot-events" role="img" aria-label="Tuning events">
        {KINDS.map((k, i) => (
          <g key={k}>
            <line
              x1={LEFT}
              x2={width - 10}
              y1={(i + 0.5) * lane}
              y2={(i + 0.5) * lane}
              stroke={theme.colors.border.weak}
            />
            <text
              x={LEFT - 8}
              y={(i + 0.5) * lane + 4}
              fontSize={11}
              textAnchor="end"
              fill={theme.colors.text.secondary}
            >
              {k}
            </text>
          </g>
        ))}
        <TimeTicks scale={scale} y={svgHeight - 4} />
        {inRange.map((e) => {
          const lane_i = Math.max(0, KINDS.indexOf(e.kind));
          const x = scale.x(e.timeMs);
          const y = (lane_i + 0.5) * lane;
          return (
            <circle
              key={`${e.id}-${e.result}-${e.timeMs}`}
              data-testid="vmpilot-event"
              data-kind={e.kind}
              data-id={e.id}
              cx={x}
              cy={y}
              r={5}
              fill={kindColor(theme, colorScheme, e.kind)}
              stroke={e.result === 'failed' ? theme.colors.error.main : 'none'}
              strokeWidth={2}
              onMouseEnter={() => setHover({ e, x, y })}
              onMouseLeave={() => setHover(null)}
            />
          );
        })}
        {hover && (
          // One @grafana/ui tooltip for the view, anchored on the hovered marker.
          <Tooltip content={<EventTip e={hover.e} timeZone={timeZone} />} placement="top" show>
            <circle cx={hover.x} cy={hover.y} r={5} fill="none" pointerEvents="none" />
          </Tooltip>
        )}
      </svg>
    </div>
  );
}
