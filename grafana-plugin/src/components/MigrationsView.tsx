// Migration timelines: one lane per VM, a bar per migration from its start to its end
// (still growing while it runs), labelled source → destination, coloured by result; a
// tick at the end marks the downtime when the hypervisor reported it. Hovering a bar shows a
// @grafana/ui Tooltip with the result, duration, downtime and reason.
import React, { useState } from 'react';
import { css } from '@emotion/css';
import { formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import type { MigrationBar } from '../data/events';
import { resultColor } from '../data/colors';
import { timeScale } from './time-axis';
import { TimeTicks } from './TimeTicks';

interface Props {
  bars: MigrationBar[];
  width: number;
  height: number;
  fromMs: number;
  toMs: number;
  /** The dashboard's time zone (`browser`, `utc` or an IANA name). */
  timeZone: string;
  /** Where a running migration's bar ends: the end of the panel's time range (usually now). */
  nowMs: number;
}

const LEFT = 110;
const ms = getValueFormat('ms');
/** A duration in Grafana's own units ("13.1 s", "140 ms"). */
const duration = (v: number) => formattedValueToString(ms(v));
const AXIS = 20;

const getStyles = (theme: GrafanaTheme2) => ({
  tip: css({ fontSize: theme.typography.bodySmall.fontSize, lineHeight: 1.5, maxWidth: 320 }),
});

function MigrationTip({ b }: { b: MigrationBar }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.tip} data-testid="vmpilot-migration-tooltip">
      <div>
        <strong>{b.vm}</strong>: {b.from} → {b.to} ({b.result})
      </div>
      {b.endMs !== undefined && <div>took {duration(b.endMs - b.startMs)}</div>}
      {b.downtimeMs !== undefined && <div>downtime {duration(b.downtimeMs)}</div>}
      {b.reason && <div data-testid="vmpilot-migration-reason">{b.reason}</div>}
    </div>
  );
}

export function MigrationsView({ bars, width, height, fromMs, toMs, nowMs, timeZone }: Props) {
  const theme = useTheme2();
  const [hover, setHover] = useState<{ b: MigrationBar; x: number; y: number; w: number; h: number } | null>(null);
  const vms = [...new Set(bars.map((b) => b.vm))];
  const lane = Math.max(12, Math.min(28, (height - AXIS) / Math.max(1, vms.length)));
  const scale = timeScale(fromMs, toMs, LEFT, width - 10, timeZone);
  const clampX = (ms: number) => Math.min(width - 10, Math.max(LEFT, scale.x(ms)));
  return (
    <svg width={width} height={height} data-testid="vmpilot-migrations" role="img" aria-label="Migration timelines">
      {vms.map((vm, i) => (
        <g key={vm} data-testid="vmpilot-lane" data-vm={vm}>
          <text x={LEFT - 8} y={i * lane + lane * 0.65} fontSize={11} textAnchor="end" fill={theme.colors.text.primary}>
            {vm}
          </text>
          <line x1={LEFT} x2={width - 10} y1={(i + 1) * lane} y2={(i + 1) * lane} stroke={theme.colors.border.weak} />
        </g>
      ))}
      <TimeTicks scale={scale} y={height - 4} />
      {bars.map((b) => {
        const i = vms.indexOf(b.vm);
        const x0 = clampX(b.startMs);
        const x1 = Math.max(x0 + 2, clampX(b.endMs ?? nowMs));
        const y = i * lane + 3;
        const h = Math.max(4, lane - 6);
        const label = `${b.from} → ${b.to}`;
        // Inside the bar when it fits (contrast colour), else right after it (text colour).
        const inside = x1 - x0 > label.length * 6.5 + 8;
        return (
          <g key={b.id} data-testid="vmpilot-migration" data-result={b.result} data-vm={b.vm}>
            <rect
              data-testid="vmpilot-migration-bar"
              x={x0}
              y={y}
              width={x1 - x0}
              height={h}
              rx={2}
              fill={resultColor(theme, b.result)}
              opacity={0.85}
              onMouseEnter={() => setHover({ b, x: x0, y, w: x1 - x0, h })}
              onMouseLeave={() => setHover(null)}
            />
            {b.downtimeMs !== undefined && (
              <rect
                data-testid="vmpilot-downtime"
                x={x1 - 2}
                y={y - 2}
                width={3}
                height={h + 4}
                fill={theme.colors.text.primary}
              />
            )}
            <text
              data-testid="vmpilot-migration-label"
              pointerEvents="none"
              x={inside ? x0 + 4 : x1 + 4}
              y={y + h * 0.75}
              fontSize={Math.min(11, h)}
              fill={inside ? theme.colors.getContrastText(resultColor(theme, b.result)) : theme.colors.text.primary}
            >
              {label}
            </text>
          </g>
        );
      })}
      {hover && (
        // One @grafana/ui tooltip for the view, anchored on the hovered bar.
        <Tooltip content={<MigrationTip b={hover.b} />} placement="top" show>
          <rect x={hover.x} y={hover.y} width={hover.w} height={hover.h} fill="none" pointerEvents="none" />
        </Tooltip>
      )}
    </svg>
  );
}
