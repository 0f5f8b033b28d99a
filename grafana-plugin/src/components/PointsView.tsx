// VM points: one row per VM, a bar stacked by resource (cpu, mem, disk, net), sorted by
// total points or by priority; the VM's name coloured by its host, its priority in a column.
// The resources' legend is Grafana's VizLegend; hovering a row shows a @grafana/ui Tooltip
// with the VM's numbers. Numbers follow the field config's unit and decimals; its max is
// the value of a full bar.
import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LegendDisplayMode, Tooltip, VizLegend, useStyles2, useTheme2 } from '@grafana/ui';
import { RESOURCES, type ColorScheme } from '../types';
import type { VmPointsRow } from '../data/points';
import { priorityText, type VmExtras } from '../data/vm-series';
import { formatPoints, type PointsDisplay } from '../data/points-display';
import { hostColor, resourceColor } from '../data/colors';

interface Props {
  rows: VmPointsRow[];
  extras: ReadonlyMap<string, VmExtras>;
  display: PointsDisplay;
  width: number;
  height: number;
  colorScheme: ColorScheme;
}

const LABEL_WIDTH = 150;
const PRIORITY_WIDTH = 80;
const HEADER = 16;
const LEGEND_HEIGHT = 26;

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column' }),
  legend: css({ height: LEGEND_HEIGHT, paddingLeft: LABEL_WIDTH + PRIORITY_WIDTH, overflow: 'hidden' }),
  tip: css({ fontSize: theme.typography.bodySmall.fontSize, lineHeight: 1.5 }),
});

function RowTip({ row, extras, display }: { row: VmPointsRow; extras?: VmExtras; display: PointsDisplay }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.tip} data-testid="vmpilot-points-tooltip">
      <div>
        <strong>{row.vm}</strong> on {row.host}
      </div>
      <div>{RESOURCES.map((r) => `${r} ${formatPoints(display, row.points[r])}`).join(' · ')}</div>
      <div>total {formatPoints(display, row.total)} points</div>
      <div>priority {priorityText(extras?.priority)}</div>
      {extras?.serviceLevel !== undefined && <div>service level {extras.serviceLevel.toFixed(2)}</div>}
    </div>
  );
}

export function PointsView({ rows, extras, display, width, height, colorScheme }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [hover, setHover] = useState<string | null>(null);
  const hosts = [...new Set(rows.map((r) => r.host))];
  const largest = Math.max(1, ...rows.map((r) => RESOURCES.reduce((s, res) => s + r.points[res], 0)));
  const max = display.max !== undefined && display.max > 0 ? display.max : largest;
  const svgHeight = height - LEGEND_HEIGHT;
  const rowHeight = Math.max(6, Math.min(24, (svgHeight - HEADER) / Math.max(1, rows.length)));
  const barX = LABEL_WIDTH + PRIORITY_WIDTH;
  const barWidth = Math.max(10, width - barX - 60);
  const hovered = rows.findIndex((r) => r.vm === hover);
  const legendItems = RESOURCES.map((r) => ({ label: r, color: resourceColor(theme, colorScheme, r), yAxis: 1 }));
  return (
    <div className={styles.root} style={{ width, height }}>
      <div className={styles.legend} data-testid="vmpilot-legend">
        <VizLegend items={legendItems} displayMode={LegendDisplayMode.List} placement="bottom" readonly />
      </div>
      <svg width={width} height={svgHeight} data-testid="vmpilot-points" role="img" aria-label="VM points by resource">
        <text x={LABEL_WIDTH + 4} y={11} fontSize={10} fill={theme.colors.text.secondary}>
          priority
        </text>
        {rows.map((row, i) => {
          let x = barX;
          const y = HEADER + i * rowHeight;
          const fontSize = Math.min(12, rowHeight * 0.8);
          const priority = extras.get(row.vm)?.priority;
          return (
            <g
              key={`${row.host}/${row.vm}`}
              data-testid="vmpilot-points-row"
              data-vm={row.vm}
              data-host={row.host}
              onMouseEnter={() => setHover(row.vm)}
              onMouseLeave={() => setHover(null)}
            >
              <rect x={0} y={y} width={width} height={rowHeight} fill="transparent" />
              <text
                x={LABEL_WIDTH - 6}
                y={y + rowHeight * 0.7}
                fontSize={fontSize}
                textAnchor="end"
                fill={hostColor(theme, hosts, row.host)}
              >
                {row.vm} ({row.host})
              </text>
              <text
                data-testid="vmpilot-points-priority"
                data-class={priority?.class ?? ''}
                data-weight={priority?.weight ?? ''}
                x={LABEL_WIDTH + 4}
                y={y + rowHeight * 0.7}
                fontSize={fontSize}
                fill={priority && priority.class !== 'normal' ? theme.colors.text.primary : theme.colors.text.secondary}
                fontWeight={priority?.class === 'critical' || priority?.class === 'high' ? 'bold' : undefined}
              >
                {priorityText(priority)}
              </text>
              {RESOURCES.map((r) => {
                const w = (Math.min(row.points[r], max) / max) * barWidth;
                const seg = (
                  <rect
                    key={r}
                    data-resource={r}
                    x={x}
                    y={y + 1}
                    width={Math.max(0, Math.min(w, barX + barWidth - x))}
                    height={Math.max(1, rowHeight - 2)}
                    fill={resourceColor(theme, colorScheme, r)}
                  />
                );
                x += w;
                return seg;
              })}
              <text
                data-testid="vmpilot-points-total"
                x={Math.min(x, barX + barWidth) + 4}
                y={y + rowHeight * 0.7}
                fontSize={Math.min(11, rowHeight * 0.8)}
                fill={theme.colors.text.primary}
              >
                {formatPoints(display, row.total)}
              </text>
            </g>
          );
        })}
        {hovered >= 0 && (
          // One @grafana/ui tooltip for the view, anchored on the hovered row.
          <Tooltip
            content={<RowTip row={rows[hovered]} extras={extras.get(rows[hovered].vm)} display={display} />}
            placement="top"
            show
          >
            <rect
              x={barX}
              y={HEADER + hovered * rowHeight}
              width={barWidth}
              height={rowHeight}
              fill="none"
              pointerEvents="none"
            />
          </Tooltip>
        )}
      </svg>
    </div>
  );
}
