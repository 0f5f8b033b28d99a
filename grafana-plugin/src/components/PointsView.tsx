// VM points: one row per VM, a bar stacked by resource (cpu, mem, disk, net), sorted by
// total points, the VM's name coloured by its host.
import React from 'react';
import { useTheme2 } from '@grafana/ui';
import { RESOURCES, type ColorScheme } from '../types';
import type { VmPointsRow } from '../data/points';
import { hostColor, resourceColor } from '../data/colors';

interface Props {
  rows: VmPointsRow[];
  width: number;
  height: number;
  colorScheme: ColorScheme;
}

const LABEL_WIDTH = 160;
const LEGEND_HEIGHT = 22;

export function PointsView({ rows, width, height, colorScheme }: Props) {
  const theme = useTheme2();
  const hosts = [...new Set(rows.map((r) => r.host))];
  const max = Math.max(1, ...rows.map((r) => RESOURCES.reduce((s, res) => s + r.points[res], 0)));
  const rowHeight = Math.max(6, Math.min(24, (height - LEGEND_HEIGHT) / Math.max(1, rows.length)));
  const barWidth = Math.max(10, width - LABEL_WIDTH - 60);
  return (
    <svg width={width} height={height} data-testid="vmpilot-points" role="img" aria-label="VM points by resource">
      <g data-testid="vmpilot-legend">
        {RESOURCES.map((r, i) => (
          <g key={r} transform={`translate(${LABEL_WIDTH + i * 70}, 4)`}>
            <rect width={12} height={12} fill={resourceColor(theme, colorScheme, r)} />
            <text x={16} y={11} fontSize={11} fill={theme.colors.text.secondary}>
              {r}
            </text>
          </g>
        ))}
      </g>
      {rows.map((row, i) => {
        let x = LABEL_WIDTH;
        const y = LEGEND_HEIGHT + i * rowHeight;
        return (
          <g key={`${row.host}/${row.vm}`} data-testid="vmpilot-points-row" data-vm={row.vm} data-host={row.host}>
            <text
              x={LABEL_WIDTH - 6}
              y={y + rowHeight * 0.7}
              fontSize={Math.min(12, rowHeight * 0.8)}
              textAnchor="end"
              fill={hostColor(theme, hosts, row.host)}
            >
              {row.vm} ({row.host})
            </text>
            {RESOURCES.map((r) => {
              const w = (row.points[r] / max) * barWidth;
              const seg = (
                <rect
                  key={r}
                  data-resource={r}
                  x={x}
                  y={y + 1}
                  width={Math.max(0, w)}
                  height={Math.max(1, rowHeight - 2)}
                  fill={resourceColor(theme, colorScheme, r)}
                >
                  <title>{`${row.vm} ${r}: ${row.points[r].toFixed(1)} points`}</title>
                </rect>
              );
              x += w;
              return seg;
            })}
            <text
              x={x + 4}
              y={y + rowHeight * 0.7}
              fontSize={Math.min(11, rowHeight * 0.8)}
              fill={theme.colors.text.primary}
            >
              {row.total.toFixed(1)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
